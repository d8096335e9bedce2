package dev.ghost.ingress; public final class IngressMain { public static void main(String[] a) { System.out.println("hi"); } }
