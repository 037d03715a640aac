package dev.roomcast.webhooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The webhook signature (docs/integration.md, "Signature"): {@code v1=} and the lower-case hex HMAC-SHA256, keyed
 * with the shared secret's UTF-8 bytes, of {@code <timestamp>.<body>} — the timestamp header's value (Unix seconds),
 * a dot, and the request body's bytes exactly as sent.
 */
public final class Signature {

    public static final String TIMESTAMP_HEADER = "X-Roomcast-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Roomcast-Signature";

    private final SecretKeySpec key;

    public Signature(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** The signature header's value for a body sent at {@code timestampSeconds}. */
    public String sign(long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update((timestampSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return "v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
