package dev.ghost.ingress.route;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * A route's PROXY protocol setting: off, or v2 with optional TLVs. Immutable: the set is copied in and out.
 *
 * @param v2   write a PROXY v2 header before any client byte
 * @param tlvs TLVs appended to the header; empty gives the byte-exact 28/52-byte header
 */
public record ProxyProtocol(boolean v2, EnumSet<Tlv> tlvs) {

  /** PROXY protocol v2 TLVs a route may ask for. */
  public enum Tlv {
    /** PP2_TYPE_AUTHORITY: the sniffed SNI. */
    AUTHORITY,
    /** PP2_TYPE_UNIQUE_ID: the connection id that the access log also carries. */
    UNIQUE_ID,
    /** PP2_TYPE_CRC32C: a checksum over the header. */
    CRC32C
  }

  /** No header. */
  public static final ProxyProtocol OFF = new ProxyProtocol(false, EnumSet.noneOf(Tlv.class));

  /** v2 without TLVs. */
  public static final ProxyProtocol V2 = new ProxyProtocol(true, EnumSet.noneOf(Tlv.class));

  /** Copies the TLV set; TLVs without v2 are a contradiction and rejected. */
  public ProxyProtocol {
    tlvs = tlvs == null ? EnumSet.noneOf(Tlv.class) : EnumSet.copyOf(tlvs);
    if (!v2 && !tlvs.isEmpty()) {
      throw new IllegalArgumentException("PROXY TLVs " + tlvs + " need proxy_protocol v2");
    }
  }

  /** v2 with the given TLVs. */
  public static ProxyProtocol v2(Collection<Tlv> tlvs) {
    EnumSet<Tlv> set = EnumSet.noneOf(Tlv.class);
    set.addAll(tlvs);
    return new ProxyProtocol(true, set);
  }

  /**
   * Parses the configuration form: {@code off}/{@code v2} (null = off) and TLV names {@code authority},
   * {@code unique_id}, {@code crc32c}. Throws {@link IllegalArgumentException} with a reason.
   */
  public static ProxyProtocol parse(String mode, List<String> tlvNames) {
    String m = mode == null ? "off" : mode.trim().toLowerCase(Locale.ROOT);
    EnumSet<Tlv> set = EnumSet.noneOf(Tlv.class);
    if (tlvNames != null) {
      for (String name : tlvNames) {
        set.add(parseTlv(name));
      }
    }
    switch (m) {
      case "off":
        return new ProxyProtocol(false, set);
      case "v2":
        return new ProxyProtocol(true, set);
      default:
        throw new IllegalArgumentException("unknown proxy_protocol '" + mode + "' (expected off or v2)");
    }
  }

  private static Tlv parseTlv(String name) {
    try {
      return Tlv.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown PROXY TLV '" + name + "' (expected authority, unique_id, crc32c)");
    }
  }

  /** A copy of the TLV set (the record's own set never escapes). */
  @Override
  public EnumSet<Tlv> tlvs() {
    return EnumSet.copyOf(tlvs);
  }

  /** Allocation-free membership test for the data path. */
  public boolean has(Tlv tlv) {
    return tlvs.contains(tlv);
  }
}
