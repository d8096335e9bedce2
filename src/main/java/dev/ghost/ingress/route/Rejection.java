package dev.ghost.ingress.route;

/**
 * A route that was not applied at all, with the reason (invalid host name, denied port, bad field...).
 *
 * @param routeId the route's id as given (may be null if the input had none)
 * @param reason  human-readable, fit for a log line and the admin view
 */
public record Rejection(String routeId, String reason) {}
