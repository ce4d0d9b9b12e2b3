package dev.heed.server;

/**
 * A request the server refuses: the HTTP status and a message written in the route family's error form (OpenAI's
 * {@code {"error": {message, type, param, code}}} or TEI's {@code {message, code, error_type}}).
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String param;      // the offending request field, or null

    ApiException(int status, String message, String param) {
        super(message, null, false, false);
        this.status = status;
        this.param = param;
    }

    static ApiException badRequest(String message, String param) { return new ApiException(400, message, param); }

    static ApiException tooLarge(String message, String param) { return new ApiException(413, message, param); }

    /** OpenAI's error type for a status. */
    String openAiType() {
        return switch (status) {
            case 401 -> "authentication_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 500 -> "server_error";
            case 503 -> "service_unavailable";
            default -> "invalid_request_error";
        };
    }

    /** TEI's error_type for a status. */
    String teiType() {
        return switch (status) {
            case 413 -> "Validation";
            case 429 -> "Overloaded";
            case 401 -> "Unauthorized";
            case 500, 503 -> "Backend";
            default -> "Validation";
        };
    }
}
