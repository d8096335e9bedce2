package dev.ghost.ingress.config;

/**
 * A static environment ({@code [[env]]}).
 *
 * @param id   the environment id, unique in the file
 * @param ipv4 this environment's dedicated IPv4 address, or null
 */
public record EnvSpec(String id, String ipv4) {}
