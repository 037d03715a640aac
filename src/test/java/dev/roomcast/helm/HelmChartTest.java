package dev.roomcast.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.roomcast.config.RoomcastConfig;
import dev.roomcast.hooks.HooksConfig;
import dev.roomcast.outbox.EventType;
import dev.roomcast.testing.ConfigKeys;
import dev.roomcast.webhooks.WebhookSettings;
import dev.roomcast.webhooks.WebhooksConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart in helm/roomcast, rendered with Helm as a library (helm-java: no helm binary, no cluster).
 *
 * <p>Every render names the release "rc" in namespace "chat" and sets the Redis password: with no password the
 * chart looks up the existing Secret to keep the generated one across upgrades, and helm-java's template,
 * unlike {@code helm template}, sends that lookup to a cluster.
 */
class HelmChartTest {

    static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("helm/roomcast");
    static final Path DASHBOARD = ROOT.resolve("grafana/dashboards/roomcast.json");
    static final String KUBE_VERSION = "1.31.0";
    static final String PASSWORD = "s3cret\"pa$$\\word";

    static final String APP = "rc-roomcast";
    static final String REDIS = "rc-roomcast-redis";
    static final String HEADLESS = "rc-roomcast-redis-headless";
    static final String DOMAIN = HEADLESS + ".chat.svc.cluster.local";

    @TempDir
    static Path tmp;

    static Manifests defaults;

    @BeforeAll
    static void renderDefaults() throws IOException {
        defaults = render(Map.of());
    }

    // ---------------------------------------------------------------------------------------------------------
    // lint and schema

    @Test
    void lintStrictPasses() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertFalse(result.isFailed(), () -> "helm lint --strict: " + result.getMessages());
        // strict turns warnings into failures; only INFO (e.g. "icon is recommended") may remain.
        assertTrue(result.getMessages().stream().allMatch(m -> m.startsWith("[INFO]")), () -> result.getMessages().toString());
    }

    @Test
    void schemaRejectsWrongValues() throws IOException {
        assertRejected(Map.of("replicaCount", "two"), "replicaCount");
        assertRejected(valuesFile("replicaCount: \"3\"\n"), "replicaCount");
        assertRejected(Map.of("config.authMode", "oauth"), "authMode");
        assertRejected(Map.of("redis.sentinel.quorum", "0"), "quorum");
        assertRejected(valuesFile("replicas: 3\n"), "replicas"); // unknown key (a typo of replicaCount)
        assertRejected(valuesFile("redis:\n  persistence:\n    enabled: \"yes\"\n"), "enabled");
        assertRejected(valuesFile("externalRedis:\n  hosts: [\"redis.example.com:6379\"]\n"), "hosts");
        assertRejected(valuesFile("externalRedis:\n  clientType: sharded\n"), "clientType");
        assertRejected(Map.of("jvm.maxHeapFreeRatio", 120), "maxHeapFreeRatio");
        assertRejected(Map.of("jvm.mallocArenaMax", -1), "mallocArenaMax");
    }

    @Test
    void inconsistentRedisSettingsFail() {
        assertRejected(Map.of("redis.enabled", false), "externalRedis.hosts");
        assertRejected(Map.of("redis.replicas", 1), "quorum");
    }

    // ---------------------------------------------------------------------------------------------------------
    // default values

    @Test
    void defaultsRenderTheExpectedObjects() {
        assertEquals(List.of("ConfigMap/" + APP, "ConfigMap/" + APP + "-dashboard", "ConfigMap/" + REDIS + "-scripts",
                "Deployment/" + APP, "PodDisruptionBudget/" + APP, "PodDisruptionBudget/" + REDIS, "Secret/" + APP,
                "Service/" + APP, "Service/" + APP + "-management", "Service/" + HEADLESS, "ServiceAccount/" + APP,
                "StatefulSet/" + REDIS),
                defaults.names());
        for (Map<String, Object> m : defaults.all) {
            assertEquals("rc", at(m, "metadata.labels", Map.class).get("app.kubernetes.io/instance"), () -> name(m));
        }
    }

    @Test
    void managementEndpointsNeverGoThroughThePublicServiceOrTheIngress() {
        Map<String, Object> publicService = defaults.get("Service", APP);
        assertEquals(List.of("http"), ((List<Map<String, Object>>) at(publicService, "spec.ports")).stream()
                .map(p -> p.get("name")).toList());
        Map<String, Object> management = defaults.get("Service", APP + "-management");
        assertEquals("ClusterIP", at(management, "spec.type"));
        assertEquals(List.of(Map.of("name", "management", "port", 9000, "targetPort", "management", "protocol", "TCP")),
                at(management, "spec.ports"));
        assertEquals("9000", at(defaults.get("ConfigMap", APP), "data.QUARKUS_MANAGEMENT_PORT"));
        assertEquals("roomcast", at(defaults.get("ConfigMap", APP), "data.MP_JWT_VERIFY_AUDIENCES"));
    }

    @Test
    void deploymentProbesAndGracefulShutdown() {
        Map<String, Object> pod = defaults.get("Deployment", APP);
        Map<String, Object> c = container(pod, "roomcast");
        assertEquals(2, at(pod, "spec.replicas"));
        assertEquals("/q/health/started", at(c, "startupProbe.httpGet.path"));
        assertEquals("/q/health/live", at(c, "livenessProbe.httpGet.path"));
        assertEquals("/q/health/ready", at(c, "readinessProbe.httpGet.path"));
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertEquals("management", at(c, probe + ".httpGet.port"), probe + " on the management interface");
        }
        assertEquals(List.of(Map.of("name", "http", "containerPort", 8080, "protocol", "TCP"),
                Map.of("name", "management", "containerPort", 9000, "protocol", "TCP")), at(c, "ports"));
        // Kubernetes >= 1.30: the built-in sleep action, nothing needed in the image.
        assertEquals(5, at(c, "lifecycle.preStop.sleep.seconds"));
        // preStop 5 s + drain window 10 s + margin 10 s
        assertEquals(25, at(pod, "spec.template.spec.terminationGracePeriodSeconds"));
        assertEquals("10s", at(defaults.get("ConfigMap", APP), "data.ROOMCAST_DRAIN_WINDOW"));
        // Rolling updates add a pod before draining one.
        assertEquals(0, at(pod, "spec.strategy.rollingUpdate.maxUnavailable"));
    }

    @Test
    void gracePeriodFollowsTheDrainWindow() {
        Manifests m = render(Map.of("drain.windowSeconds", 30, "drain.preStopSleepSeconds", 8, "drain.marginSeconds", 5),
                "1.29.0");
        Map<String, Object> pod = m.get("Deployment", APP);
        assertEquals(43, at(pod, "spec.template.spec.terminationGracePeriodSeconds"));
        assertEquals("30s", at(m.get("ConfigMap", APP), "data.ROOMCAST_DRAIN_WINDOW"));
        // Before 1.30 the sleep action may be disabled: sleep inside the container (both images have it).
        assertEquals(List.of("sleep", "8"), at(container(pod, "roomcast"), "lifecycle.preStop.exec.command"));

        Manifests forced = render(Map.of("drain.preStopMode", "sleepAction"), "1.29.0");
        assertEquals(5, at(container(forced.get("Deployment", APP), "roomcast"), "lifecycle.preStop.sleep.seconds"));
    }

    @Test
    void deploymentSecurityContext() {
        Map<String, Object> pod = defaults.get("Deployment", APP);
        assertEquals(true, at(pod, "spec.template.spec.securityContext.runAsNonRoot"));
        assertEquals("RuntimeDefault", at(pod, "spec.template.spec.securityContext.seccompProfile.type"));
        assertEquals(false, at(pod, "spec.template.spec.automountServiceAccountToken"));
        Map<String, Object> sc = at(container(pod, "roomcast"), "securityContext", Map.class);
        assertEquals(true, sc.get("readOnlyRootFilesystem"));
        assertEquals(false, sc.get("allowPrivilegeEscalation"));
        assertEquals(true, sc.get("runAsNonRoot"));
        assertEquals(List.of("ALL"), at(sc, "capabilities.drop"));
        // The read-only root filesystem leaves /tmp writable through an emptyDir.
        assertEquals(List.of(Map.of("name", "tmp", "mountPath", "/tmp")), at(container(pod, "roomcast"), "volumeMounts"));
        assertEquals(Map.of("sizeLimit", "256Mi"), at(volume(pod, "tmp"), "emptyDir"));
    }

    @Test
    void deploymentResourcesSpreadAndChecksums() {
        Map<String, Object> pod = defaults.get("Deployment", APP);
        Map<String, Object> c = container(pod, "roomcast");
        assertEquals("768Mi", at(c, "resources.limits.memory"));
        assertEquals("500m", at(c, "resources.requests.cpu"));
        Map<?, ?> podLabels = at(pod, "spec.template.metadata.labels", Map.class);
        List<Map<String, Object>> spread = at(pod, "spec.template.spec.topologySpreadConstraints", List.class);
        assertEquals(List.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"),
                spread.stream().map(s -> s.get("topologyKey")).toList());
        for (Map<String, Object> s : spread) {
            assertTrue(podLabels.entrySet().containsAll(at(s, "labelSelector.matchLabels", Map.class).entrySet()));
            assertEquals(List.of("pod-template-hash"), s.get("matchLabelKeys"));
        }
        Map<?, ?> annotations = at(pod, "spec.template.metadata.annotations", Map.class);
        assertTrue(String.valueOf(annotations.get("checksum/config")).matches("[0-9a-f]{64}"));
        assertTrue(String.valueOf(annotations.get("checksum/secret")).matches("[0-9a-f]{64}"));
        // A configuration change changes the checksum, so the pods roll.
        Map<?, ?> changed = at(render(Map.of("config.maxConnections", 1000)).get("Deployment", APP),
                "spec.template.metadata.annotations", Map.class);
        assertFalse(annotations.get("checksum/config").equals(changed.get("checksum/config")));
        assertEquals(annotations.get("checksum/secret"), changed.get("checksum/secret"));
    }

    @Test
    void environmentComesFromTheConfigMapAndTheSecret() {
        Map<String, Object> c = container(defaults.get("Deployment", APP), "roomcast");
        assertEquals(List.of(Map.of("configMapRef", Map.of("name", APP))), c.get("envFrom"));
        Map<String, Map<String, Object>> env = env(c);
        assertEquals("metadata.name", at(env.get("ROOMCAST_NODE_ID"), "valueFrom.fieldRef.fieldPath"));
        assertEquals(Map.of("name", APP, "key", "api-keys", "optional", true), at(env.get("ROOMCAST_API_KEYS"), "valueFrom.secretKeyRef"));
        assertEquals(Map.of("name", APP, "key", "jwt-public-key", "optional", true),
                at(env.get("MP_JWT_VERIFY_PUBLICKEY"), "valueFrom.secretKeyRef"));
        assertEquals(Map.of("name", APP, "key", "jwt-secret-key", "optional", true),
                at(env.get("SMALLRYE_JWT_VERIFY_SECRETKEY"), "valueFrom.secretKeyRef"));
        // JVM sized for the container (docs/operations.md, "JVM and container settings"): heap 75 % of the
        // limit, Serial with a 16 MiB young generation (not the JVM's own choice), a heap that follows the live
        // data, 2 malloc arenas, freed native memory trimmed every 5 s: the settings bench/compare.sh measured
        // against the Node peers.
        assertEquals("75", env.get("JAVA_MAX_MEM_RATIO").get("value"));
        assertEquals("-XX:+UseSerialGC", env.get("GC_CONTAINER_OPTIONS").get("value"));
        assertEquals("10", env.get("GC_MIN_HEAP_FREE_RATIO").get("value"));
        assertEquals("20", env.get("GC_MAX_HEAP_FREE_RATIO").get("value"));
        assertEquals("2", env.get("MALLOC_ARENA_MAX").get("value"));
        assertEquals("-Djava.util.logging.manager=org.jboss.logmanager.LogManager -XX:+ExitOnOutOfMemoryError -Xmn16m"
                + " -XX:TrimNativeHeapInterval=5000",
                env.get("JAVA_OPTS_APPEND").get("value"));
        Map<String, Object> config = at(defaults.get("ConfigMap", APP), "data", Map.class);
        assertEquals("jwt", config.get("ROOMCAST_AUTH_MODE"));
        assertEquals("rc", config.get("ROOMCAST_REDIS_PREFIX"));
        assertEquals("50000", config.get("ROOMCAST_LIMITS_MAX_CONNECTIONS"));
        assertEquals("5m", config.get("ROOMCAST_API_IDEMPOTENCY_WINDOW"));

        Manifests parallel = render(Map.of("jvm.gc", "Parallel", "jvm.maxRamPercentage", 60, "jvm.maxHeapFreeRatio", 40,
                "jvm.mallocArenaMax", 0, "jvm.youngGen", "", "jvm.trimNativeHeapIntervalMs", 0, "jvm.extraOpts", "-Xss512k"));
        Map<String, Map<String, Object>> penv = env(container(parallel.get("Deployment", APP), "roomcast"));
        assertEquals("-XX:+UseParallelGC", penv.get("GC_CONTAINER_OPTIONS").get("value"));
        assertEquals("60", penv.get("JAVA_MAX_MEM_RATIO").get("value"));
        assertEquals("40", penv.get("GC_MAX_HEAP_FREE_RATIO").get("value"));
        assertFalse(penv.containsKey("MALLOC_ARENA_MAX"), "0 keeps glibc's default");
        assertEquals("-Djava.util.logging.manager=org.jboss.logmanager.LogManager -XX:+ExitOnOutOfMemoryError -Xss512k",
                penv.get("JAVA_OPTS_APPEND").get("value"));
        Map<String, Map<String, Object>> genv = env(container(render(Map.of("jvm.gc", "G1")).get("Deployment", APP), "roomcast"));
        assertEquals("-XX:+UseG1GC", genv.get("GC_CONTAINER_OPTIONS").get("value"));
    }

    @Test
    void secretHoldsTheCredentials() throws IOException {
        Manifests m = render(valuesFile("""
                secret:
                  redisPassword: "%s"
                  apiKeys: key-1,key-2
                  jwtPublicKey: |
                    -----BEGIN PUBLIC KEY-----
                    MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA
                    -----END PUBLIC KEY-----
                  jwtSecretKey: '{"kty":"oct","k":"aHMyNTYtY29ubmVjdGlvbi1zZWNyZXQ"}'
                config:
                  jwtAlgorithm: HS256
                """.formatted(PASSWORD.replace("\\", "\\\\").replace("\"", "\\\""))));
        Map<String, Object> data = at(m.get("Secret", APP), "data", Map.class);
        assertEquals(PASSWORD, b64(data.get("redis-password")));
        assertEquals("key-1,key-2", b64(data.get("api-keys")));
        assertTrue(b64(data.get("jwt-public-key")).startsWith("-----BEGIN PUBLIC KEY-----\n"));
        // HS256 connection tokens: the secret in the Secret, only the algorithm in the ConfigMap.
        assertEquals("{\"kty\":\"oct\",\"k\":\"aHMyNTYtY29ubmVjdGlvbi1zZWNyZXQ\"}", b64(data.get("jwt-secret-key")));
        Map<String, Object> config = at(m.get("ConfigMap", APP), "data", Map.class);
        assertEquals("HS256", config.get("SMALLRYE_JWT_VERIFY_ALGORITHM"));
        assertFalse(config.containsKey("SMALLRYE_JWT_VERIFY_SECRETKEY"));
        // Without API keys or JWT key the Secret has no such entries (the env refs are optional).
        assertEquals(List.of("redis-password"), List.copyOf(at(defaults.get("Secret", APP), "data", Map.class).keySet()));
    }

    @Test
    void existingSecretIsUsedEverywhere() {
        Manifests m = render(Map.of("secret.existingSecret", "roomcast-credentials"));
        assertTrue(m.find("Secret", APP) == null, "no chart-managed Secret");
        List<String> refs = new ArrayList<>();
        collectSecretRefs(m.get("Deployment", APP), refs);
        collectSecretRefs(m.get("StatefulSet", REDIS), refs);
        assertEquals(11, refs.size()); // 5 in the Deployment, 2 in each of the 3 Redis containers
        assertTrue(refs.stream().allMatch("roomcast-credentials"::equals), refs::toString);

        // With hooks and webhooks on, their credentials come from the same Secret (nothing to put in values).
        Manifests all = render(Map.of("secret.existingSecret", "roomcast-credentials", "webhooks.enabled", true,
                "webhooks.url", "https://backend.example.com/events", "hooks.join.url", "http://backend/join"));
        assertNull(all.find("Secret", APP));
        Map<String, Map<String, Object>> env = env(container(all.get("Deployment", APP), "roomcast"));
        assertEquals(Map.of("name", "roomcast-credentials", "key", "webhook-secret"),
                at(env.get("ROOMCAST_WEBHOOKS_SECRET"), "valueFrom.secretKeyRef"));
        assertEquals(Map.of("name", "roomcast-credentials", "key", "hooks-api-key", "optional", true),
                at(env.get("ROOMCAST_HOOKS_API_KEY"), "valueFrom.secretKeyRef"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // hooks, webhooks, subscription tokens

    static final String WEBHOOK_SECRET = "whsec-0123456789abcdef";
    static final String HOOKS_API_KEY = "hook-key-0123456789";
    static final String API_KEYS = "api-key-one,api-key-two";
    static final String ROOM_KEY = "{\"kty\":\"oct\",\"k\":\"c3Vic2NyaXB0aW9uLXRva2VuLXNlY3JldC0wMTIzNDU2Nzg5\"}";

    /** Every feature of this section on, with every credential in the chart's Secret. */
    static Manifests renderAllFeatures() throws IOException {
        return render(valuesFile("""
                hooks:
                  connect:
                    url: http://backend.chat.svc:8080/connect
                    headers: [X-Tenant, X-Region]
                  join:
                    url: http://backend.chat.svc:8080/join
                    rooms: ["guarded.*", vip]
                  publish:
                    url: http://backend.chat.svc:8080/publish
                    rooms: ["moderated.*"]
                  timeout: 750ms
                  maxConcurrency: 64
                  breaker:
                    failures: 3
                    openFor: 10s
                webhooks:
                  enabled: true
                  url: https://backend.example.com/roomcast/events
                  events: [room.occupied, room.vacated, user.offline, message.published]
                  rooms: ["team-*"]
                  publishedRooms: ["news.*", alerts]
                  offlineDelay: 10s
                  batchSize: 50
                  timeout: 3s
                  retry:
                    initialBackoff: 500ms
                    maxBackoff: 20s
                  retention: 2h
                  claimIdle: 45s
                  pollInterval: 100ms
                  outbox:
                    maxLength: 250000
                config:
                  apiIdempotencyWindow: 10m
                  subscriptionToken:
                    algorithm: HS256
                    issuer: https://backend.example.com
                    audiences: rooms,chat
                secret:
                  apiKeys: "%s"
                  hooksApiKey: "%s"
                  webhookSecret: "%s"
                  subscriptionTokenKey: '%s'
                """.formatted(API_KEYS, HOOKS_API_KEY, WEBHOOK_SECRET, ROOM_KEY)));
    }

    @Test
    void hooksAreOffUntilAUrlIsSet() {
        Map<String, Object> config = at(defaults.get("ConfigMap", APP), "data", Map.class);
        assertTrue(config.keySet().stream().noneMatch(k -> k.startsWith("ROOMCAST_HOOKS_") || k.startsWith("ROOMCAST_WEBHOOKS_")
                || k.startsWith("ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_")), config::toString);
        Map<String, Map<String, Object>> env = env(container(defaults.get("Deployment", APP), "roomcast"));
        assertFalse(env.containsKey("ROOMCAST_HOOKS_API_KEY"));
        assertFalse(env.containsKey("ROOMCAST_WEBHOOKS_SECRET"));
        // An optional reference, like the connection tokens' key: the Secret may or may not carry it.
        assertEquals(Map.of("name", APP, "key", "subscription-token-key", "optional", true),
                at(env.get("ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_KEY"), "valueFrom.secretKeyRef"));

        // One hook: its URL and rooms, the common settings (app defaults), and the API key from the Secret.
        Manifests join = render(Map.of("hooks.join.url", "http://backend/join"));
        Map<String, Object> joinConfig = at(join.get("ConfigMap", APP), "data", Map.class);
        assertEquals(Map.of("ROOMCAST_HOOKS_JOIN_URL", "http://backend/join", "ROOMCAST_HOOKS_JOIN_ROOMS", "*",
                "ROOMCAST_HOOKS_TIMEOUT", "2s", "ROOMCAST_HOOKS_MAX_CONCURRENCY", "256", "ROOMCAST_HOOKS_BREAKER_FAILURES", "5",
                "ROOMCAST_HOOKS_BREAKER_OPEN_FOR", "5s"), prefixed(joinConfig, "ROOMCAST_HOOKS_"));
        assertEquals(Map.of("name", APP, "key", "hooks-api-key", "optional", true),
                at(env(container(join.get("Deployment", APP), "roomcast")).get("ROOMCAST_HOOKS_API_KEY"), "valueFrom.secretKeyRef"));
    }

    @Test
    void hooksWebhooksAndSubscriptionTokensAreWiredFromValues() throws IOException {
        Manifests m = renderAllFeatures();
        Map<String, Object> config = at(m.get("ConfigMap", APP), "data", Map.class);
        Map<String, Object> hooksAndWebhooks = prefixed(config, "ROOMCAST_HOOKS_");
        hooksAndWebhooks.putAll(prefixed(config, "ROOMCAST_WEBHOOKS_"));
        assertEquals(pairs(
                "ROOMCAST_HOOKS_CONNECT_URL", "http://backend.chat.svc:8080/connect",
                "ROOMCAST_HOOKS_CONNECT_HEADERS", "X-Tenant,X-Region",
                "ROOMCAST_HOOKS_JOIN_URL", "http://backend.chat.svc:8080/join",
                "ROOMCAST_HOOKS_JOIN_ROOMS", "guarded.*,vip",
                "ROOMCAST_HOOKS_PUBLISH_URL", "http://backend.chat.svc:8080/publish",
                "ROOMCAST_HOOKS_PUBLISH_ROOMS", "moderated.*",
                "ROOMCAST_HOOKS_TIMEOUT", "750ms",
                "ROOMCAST_HOOKS_MAX_CONCURRENCY", "64",
                "ROOMCAST_HOOKS_BREAKER_FAILURES", "3",
                "ROOMCAST_HOOKS_BREAKER_OPEN_FOR", "10s",
                "ROOMCAST_WEBHOOKS_URL", "https://backend.example.com/roomcast/events",
                "ROOMCAST_WEBHOOKS_EVENTS", "room.occupied,room.vacated,user.offline,message.published",
                "ROOMCAST_WEBHOOKS_ROOMS", "team-*",
                "ROOMCAST_WEBHOOKS_PUBLISHED_ROOMS", "news.*,alerts",
                "ROOMCAST_WEBHOOKS_OFFLINE_DELAY", "10s",
                "ROOMCAST_WEBHOOKS_BATCH_SIZE", "50",
                "ROOMCAST_WEBHOOKS_TIMEOUT", "3s",
                "ROOMCAST_WEBHOOKS_RETRY_INITIAL_BACKOFF", "500ms",
                "ROOMCAST_WEBHOOKS_RETRY_MAX_BACKOFF", "20s",
                "ROOMCAST_WEBHOOKS_RETENTION", "2h",
                "ROOMCAST_WEBHOOKS_CLAIM_IDLE", "45s",
                "ROOMCAST_WEBHOOKS_POLL_INTERVAL", "100ms",
                "ROOMCAST_WEBHOOKS_OUTBOX_MAX_LENGTH", "250000"), hooksAndWebhooks);
        assertEquals(Map.of("ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_ALGORITHM", "HS256",
                "ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_ISSUER", "https://backend.example.com",
                "ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_AUDIENCES", "rooms,chat"), prefixed(config, "ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_"));

        // The credentials: in the Secret, reaching the pod through secretKeyRef; the webhook secret is required.
        Map<String, Object> data = at(m.get("Secret", APP), "data", Map.class);
        assertEquals(WEBHOOK_SECRET, b64(data.get("webhook-secret")));
        assertEquals(HOOKS_API_KEY, b64(data.get("hooks-api-key")));
        assertEquals(ROOM_KEY, b64(data.get("subscription-token-key")));
        Map<String, Map<String, Object>> env = env(container(m.get("Deployment", APP), "roomcast"));
        assertEquals(Map.of("name", APP, "key", "webhook-secret"), at(env.get("ROOMCAST_WEBHOOKS_SECRET"), "valueFrom.secretKeyRef"));
        assertEquals(Map.of("name", APP, "key", "hooks-api-key", "optional", true),
                at(env.get("ROOMCAST_HOOKS_API_KEY"), "valueFrom.secretKeyRef"));
        assertEquals(Map.of("name", APP, "key", "subscription-token-key", "optional", true),
                at(env.get("ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_KEY"), "valueFrom.secretKeyRef"));

        // A credential change rolls the pods; the ConfigMap stays the same.
        Manifests rotated = render(valuesFile("webhooks: {enabled: true, url: \"https://b/e\"}\nsecret: {webhookSecret: \"%s\"}\n"
                .formatted(WEBHOOK_SECRET)));
        Manifests rotatedAgain = render(valuesFile("webhooks: {enabled: true, url: \"https://b/e\"}\nsecret: {webhookSecret: \"%s\"}\n"
                .formatted("another-secret-0123456789")));
        Map<?, ?> before = at(rotated.get("Deployment", APP), "spec.template.metadata.annotations", Map.class);
        Map<?, ?> after = at(rotatedAgain.get("Deployment", APP), "spec.template.metadata.annotations", Map.class);
        assertFalse(before.get("checksum/secret").equals(after.get("checksum/secret")));
        assertEquals(before.get("checksum/config"), after.get("checksum/config"));
    }

    @Test
    void subscriptionTokensCanUseAPublicKeyLocation() {
        // RS256 from the backend's JWKS endpoint: no credential at all, only ConfigMap settings.
        Manifests m = render(Map.of("config.subscriptionToken.algorithm", "RS256",
                "config.subscriptionToken.keyLocation", "https://backend.example.com/.well-known/jwks.json"));
        assertEquals(Map.of("ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_ALGORITHM", "RS256",
                "ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_KEY_LOCATION", "https://backend.example.com/.well-known/jwks.json"),
                prefixed(at(m.get("ConfigMap", APP), "data", Map.class), "ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_"));
        assertFalse(at(m.get("Secret", APP), "data", Map.class).containsKey("subscription-token-key"));
        // A key location and an inline key: which one would win is not obvious, so the chart refuses both.
        assertRejected(Map.of("config.subscriptionToken.keyLocation", "https://backend/jwks",
                "secret.subscriptionTokenKey", "-----BEGIN PUBLIC KEY-----"), "not both");
    }

    @Test
    void wrongHookAndWebhookValuesFail() throws IOException {
        assertRejected(Map.of("webhooks.enabled", true, "secret.webhookSecret", WEBHOOK_SECRET), "webhooks.url");
        assertRejected(Map.of("webhooks.enabled", true, "webhooks.url", "https://b/e"), "secret.webhookSecret");
        assertRejected(Map.of("secret.webhookSecret", "too-short"), "webhookSecret");
        assertRejected(valuesFile("webhooks:\n  events: [room.opened]\n"), "events");
        assertRejected(Map.of("webhooks.batchSize", 5000), "batchSize");
        assertRejected(Map.of("webhooks.retention", "1 hour"), "retention");
        assertRejected(Map.of("webhooks.url", "backend:8080/events"), "url");
        assertRejected(Map.of("hooks.timeout", "2"), "timeout");
        assertRejected(Map.of("hooks.connect.url", "ftp://backend/connect"), "url");
        assertRejected(valuesFile("hooks:\n  join:\n    rooms: [\"a,b\"]\n"), "rooms");
        assertRejected(valuesFile("hooks:\n  retries: 3\n"), "retries");
        // With secret.existingSecret the chart cannot see the key: the pod's required reference checks it.
        render(Map.of("webhooks.enabled", true, "webhooks.url", "https://b/e", "secret.existingSecret", "mine"));
    }

    @Test
    void installNotesNameTheHooksAndWebhooks() {
        String notes = new Helm(CHART).install().withName("rc").withNamespace("chat").withKubeVersion(KUBE_VERSION)
                .clientOnly().dryRun().withValuesFile(passwordValues()).set("hooks.join.url", "http://backend/join")
                .set("webhooks.enabled", true).set("webhooks.url", "https://backend/events")
                .set("secret.webhookSecret", WEBHOOK_SECRET).call().getOutput();
        assertTrue(notes.contains("Hooks: join -> http://backend/join"), notes);
        assertTrue(notes.contains("Webhooks: events POSTed to https://backend/events, signed with webhook-secret of Secret " + APP),
                notes);
        assertFalse(notes.contains(WEBHOOK_SECRET), notes);
    }

    @Test
    void credentialsNeverLandInAConfigMap() throws IOException {
        Manifests m = renderAllFeatures();
        List<String> credentials = List.of(WEBHOOK_SECRET, HOOKS_API_KEY, ROOM_KEY, PASSWORD, API_KEYS);
        for (Map<String, Object> manifest : m.all()) {
            if (!"ConfigMap".equals(manifest.get("kind"))) {
                continue;
            }
            Map<?, ?> data = at(manifest, "data", Map.class);
            for (Map.Entry<?, ?> e : data.entrySet()) {
                for (String credential : credentials) {
                    assertFalse(String.valueOf(e.getValue()).contains(credential), () -> name(manifest) + " " + e.getKey());
                }
            }
        }
        // Nor in the Deployment in clear: every credential variable is a secretKeyRef.
        Map<String, Map<String, Object>> env = env(container(m.get("Deployment", APP), "roomcast"));
        for (String name : List.of("ROOMCAST_WEBHOOKS_SECRET", "ROOMCAST_HOOKS_API_KEY", "ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_KEY",
                "ROOMCAST_API_KEYS", "QUARKUS_REDIS_PASSWORD", "MP_JWT_VERIFY_PUBLICKEY")) {
            assertNull(env.get(name).get("value"), name);
            assertNotNull(at(env.get(name), "valueFrom.secretKeyRef"), name);
        }
        // config.extraEnv is the ConfigMap: a credential there is refused with where it belongs.
        for (String name : List.of("ROOMCAST_WEBHOOKS_SECRET", "ROOMCAST_HOOKS_API_KEY", "ROOMCAST_AUTH_SUBSCRIPTION_TOKEN_KEY",
                "ROOMCAST_API_KEYS", "QUARKUS_REDIS_PASSWORD")) {
            assertRejected(Map.of("config.extraEnv." + name, "x"), "secret.*");
        }
    }

    /**
     * What the pod's environment means to the application: the rendered ConfigMap and Secret, turned into
     * environment variables as the kubelet does, read through the application's own config mappings.
     */
    @Test
    void renderedEnvironmentConfiguresTheApplication() throws IOException {
        Map<String, String> podEnv = podEnvironment(renderAllFeatures());
        SmallRyeConfig config = applicationConfig(podEnv)
                .withMapping(HooksConfig.class).withMapping(WebhooksConfig.class).withMapping(RoomcastConfig.class)
                .build();
        HooksConfig hooks = config.getConfigMapping(HooksConfig.class);
        assertEquals(Optional.of("http://backend.chat.svc:8080/connect"), hooks.connect().url());
        assertEquals(Optional.of(List.of("X-Tenant", "X-Region")), hooks.connect().headers());
        assertEquals(List.of("guarded.*", "vip"), hooks.join().rooms());
        assertEquals(List.of("moderated.*"), hooks.publish().rooms());
        assertEquals(Duration.ofMillis(750), hooks.timeout());
        assertEquals(64, hooks.maxConcurrency());
        assertEquals(Optional.of(HOOKS_API_KEY), hooks.apiKey());
        assertEquals(3, hooks.breaker().failures());
        assertEquals(Duration.ofSeconds(10), hooks.breaker().openFor());

        WebhookSettings webhooks = WebhookSettings.of(config.getConfigMapping(WebhooksConfig.class));
        assertNotNull(webhooks);
        assertEquals(URI.create("https://backend.example.com/roomcast/events"), webhooks.url());
        assertEquals(WEBHOOK_SECRET, webhooks.secret());
        assertEquals(Set.of(EventType.ROOM_OCCUPIED, EventType.ROOM_VACATED, EventType.USER_OFFLINE, EventType.MESSAGE_PUBLISHED),
                webhooks.events());
        assertEquals(List.of("team-*"), webhooks.rooms());
        assertEquals(List.of("news.*", "alerts"), webhooks.publishedRooms());
        assertEquals(Duration.ofSeconds(10), webhooks.offlineDelay());
        assertEquals(50, webhooks.batchSize());
        assertEquals(Duration.ofSeconds(3), webhooks.timeout());
        assertEquals(Duration.ofMillis(500), webhooks.initialBackoff());
        assertEquals(Duration.ofSeconds(20), webhooks.maxBackoff());
        assertEquals(Duration.ofHours(2), webhooks.retention());
        assertEquals(Duration.ofSeconds(45), webhooks.claimIdle());
        assertEquals(Duration.ofMillis(100), webhooks.pollInterval());
        assertEquals(250000, webhooks.maxLength());

        RoomcastConfig.Api api = config.getConfigMapping(RoomcastConfig.class).api();
        assertEquals(Optional.of(List.of("api-key-one", "api-key-two")), api.keys());
        assertEquals(Duration.ofMinutes(10), api.idempotencyWindow());

        // Every key of these features has a value, so none is left out of the chart. The key location is the
        // alternative to the inline key (subscriptionTokensCanUseAPublicKeyLocation).
        List<String> unset = ConfigKeys.all().keySet().stream()
                .filter(k -> k.startsWith("roomcast.hooks.") || k.startsWith("roomcast.webhooks.")
                        || k.startsWith("roomcast.auth.subscription-token.") || k.startsWith("roomcast.api."))
                .filter(k -> !k.equals("roomcast.auth.subscription-token.key-location"))
                .filter(k -> !podEnv.containsKey(ConfigKeys.envName(k))).toList();
        assertEquals(List.of(), unset, "keys the chart cannot set");

        RoomcastConfig.SubscriptionToken room = config.getConfigMapping(RoomcastConfig.class).auth().subscriptionToken();
        assertEquals(Optional.of(ROOM_KEY), room.key());
        assertEquals(Optional.of("HS256"), room.algorithm());
        assertEquals(Optional.of("https://backend.example.com"), room.issuer());
        assertEquals(Optional.of(List.of("rooms", "chat")), room.audiences());
        assertEquals(Optional.empty(), room.keyLocation());

        // The chart's webhook defaults are a valid configuration (the application checks them at startup).
        Map<String, String> minimal = podEnvironment(render(Map.of("webhooks.enabled", true, "webhooks.url", "https://b/e",
                "secret.webhookSecret", WEBHOOK_SECRET)));
        WebhookSettings defaults = WebhookSettings.of(applicationConfig(minimal).withMapping(WebhooksConfig.class).build()
                .getConfigMapping(WebhooksConfig.class));
        assertEquals(Set.of(EventType.values()), defaults.events());
        assertEquals(List.of(), defaults.publishedRooms());
    }

    @Test
    void serviceSelectsOnlyTheApplicationPods() {
        Map<String, Object> svc = defaults.get("Service", APP);
        assertEquals(Map.of("name", "http", "port", 8080, "targetPort", "http", "protocol", "TCP"), first(svc, "spec.ports"));
        assertEquals("None", at(svc, "spec.sessionAffinity"));
        Map<?, ?> selector = at(svc, "spec.selector", Map.class);
        assertTrue(at(defaults.get("Deployment", APP), "spec.template.metadata.labels", Map.class).entrySet().containsAll(selector.entrySet()));
        assertFalse(at(defaults.get("StatefulSet", REDIS), "spec.template.metadata.labels", Map.class).entrySet().containsAll(selector.entrySet()));
        assertEquals(1, at(defaults.get("PodDisruptionBudget", APP), "spec.maxUnavailable"));
        assertEquals(selector, at(defaults.get("PodDisruptionBudget", APP), "spec.selector.matchLabels"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Redis Sentinel

    @Test
    void applicationIsWiredToTheSentinels() {
        Map<String, Object> config = at(defaults.get("ConfigMap", APP), "data", Map.class);
        assertEquals("sentinel", config.get("QUARKUS_REDIS_CLIENT_TYPE"));
        assertEquals("mymaster", config.get("QUARKUS_REDIS_MASTER_NAME"));
        assertEquals("master", config.get("QUARKUS_REDIS_ROLE"));
        // One sentinel per Redis pod, by the DNS name the StatefulSet and its headless Service give it.
        Map<String, Object> sts = defaults.get("StatefulSet", REDIS);
        assertEquals(HEADLESS, at(sts, "spec.serviceName"));
        String expected = IntStream.range(0, 3).mapToObj(i -> "redis://" + REDIS + "-" + i + "." + DOMAIN + ":26379")
                .collect(Collectors.joining(","));
        assertEquals(expected, config.get("QUARKUS_REDIS_HOSTS"));
        Map<String, Object> password = env(container(defaults.get("Deployment", APP), "roomcast")).get("QUARKUS_REDIS_PASSWORD");
        assertEquals(Map.of("name", APP, "key", "redis-password", "optional", false), at(password, "valueFrom.secretKeyRef"));
        assertEquals(PASSWORD, b64(at(defaults.get("Secret", APP), "data.redis-password")));
    }

    @Test
    void statefulSetRunsRedisAndSentinelFromTheOfficialImage() {
        Map<String, Object> sts = defaults.get("StatefulSet", REDIS);
        assertEquals(3, at(sts, "spec.replicas"));
        assertEquals("Parallel", at(sts, "spec.podManagementPolicy"));
        Map<String, Object> redis = container(sts, "redis");
        Map<String, Object> sentinel = container(sts, "sentinel");
        Map<String, Object> init = first(sts, "spec.template.spec.initContainers");
        for (Map<String, Object> c : List.of(redis, sentinel, init)) {
            assertEquals("redis:7.4-alpine", c.get("image"));
            assertEquals(true, at(c, "securityContext.readOnlyRootFilesystem"));
            assertEquals(List.of("ALL"), at(c, "securityContext.capabilities.drop"));
            // Password from the Secret, for the scripts and for redis-cli (REDISCLI_AUTH), never in the manifest.
            assertEquals(Map.of("name", APP, "key", "redis-password"), at(env(c).get("REDIS_PASSWORD"), "valueFrom.secretKeyRef"));
            assertEquals(Map.of("name", APP, "key", "redis-password"), at(env(c).get("REDISCLI_AUTH"), "valueFrom.secretKeyRef"));
            assertEquals("2", env(c).get("SENTINEL_QUORUM").get("value"));
            assertEquals("mymaster", env(c).get("SENTINEL_MASTER_NAME").get("value"));
            assertEquals(HEADLESS, env(c).get("HEADLESS_SERVICE").get("value"));
            assertEquals(REDIS, env(c).get("STATEFULSET_NAME").get("value"));
        }
        assertEquals(List.of("redis-server", "/conf/redis.conf"), redis.get("command"));
        assertEquals(List.of("sh", "/scripts/sentinel.sh"), sentinel.get("command"));
        assertEquals(List.of("sh", "/scripts/init.sh"), init.get("command"));
        assertEquals(6379, first(redis, "ports").get("containerPort"));
        assertEquals(26379, first(sentinel, "ports").get("containerPort"));
        assertEquals(List.of("sh", "/scripts/redis-prestop.sh"), at(redis, "lifecycle.preStop.exec.command"));
        assertEquals(true, at(sts, "spec.template.spec.securityContext.runAsNonRoot"));
        assertEquals(999, at(sts, "spec.template.spec.securityContext.runAsUser"));
        // No persistence by default: data in an emptyDir, no PersistentVolumeClaims.
        assertEquals(Map.of(), at(volume(sts, "data"), "emptyDir"));
        assertNull(at(sts, "spec.volumeClaimTemplates"));

        Map<String, Object> headless = defaults.get("Service", HEADLESS);
        assertEquals("None", at(headless, "spec.clusterIP"));
        assertEquals(true, at(headless, "spec.publishNotReadyAddresses"));
        assertEquals(at(sts, "spec.selector.matchLabels"), at(headless, "spec.selector"));
        assertEquals(1, at(defaults.get("PodDisruptionBudget", REDIS), "spec.maxUnavailable"));
        assertEquals(at(sts, "spec.selector.matchLabels"), at(defaults.get("PodDisruptionBudget", REDIS), "spec.selector.matchLabels"));
    }

    @Test
    void persistenceUsesVolumeClaimTemplates() {
        Map<String, Object> sts = render(Map.of("redis.persistence.enabled", true, "redis.persistence.size", "5Gi",
                "redis.persistence.storageClass", "fast")).get("StatefulSet", REDIS);
        List<Map<String, Object>> claims = at(sts, "spec.volumeClaimTemplates", List.class);
        assertEquals(1, claims.size());
        assertEquals("data", at(claims.get(0), "metadata.name"));
        assertEquals("5Gi", at(claims.get(0), "spec.resources.requests.storage"));
        assertEquals("fast", at(claims.get(0), "spec.storageClassName"));
        assertNull(volume(sts, "data"));
    }

    @Test
    void sentinelConfigurationUsesHostnamesQuorumAndPassword(@TempDir Path dir) throws Exception {
        // The init script, as deployed, run against fake peers: nobody answers, so this is a fresh install.
        RedisInit init = new RedisInit(dir);
        assertEquals(0, init.run(0), init::output);
        String sentinelConf = init.file(0, "sentinel.conf");
        String redisConf = init.file(0, "redis.conf");
        String me = REDIS + "-0." + DOMAIN;
        String password = "\"s3cret\\\"pa$$\\\\word\"";
        assertEquals(String.join("\n",
                "port 26379",
                "dir " + dir.resolve("p0/conf"),
                "sentinel resolve-hostnames yes",
                "sentinel announce-hostnames yes",
                "sentinel announce-ip " + me,
                "sentinel announce-port 26379",
                "requirepass " + password,
                "sentinel sentinel-pass " + password,
                "sentinel monitor mymaster " + me + " 6379 2",
                "sentinel auth-pass mymaster " + password,
                "sentinel down-after-milliseconds mymaster 5000",
                "sentinel failover-timeout mymaster 60000",
                "sentinel parallel-syncs mymaster 1", ""), sentinelConf);
        assertTrue(redisConf.contains("\nrequirepass " + password + "\n"), redisConf);
        assertTrue(redisConf.contains("\nmasterauth " + password + "\n"), redisConf);
        assertTrue(redisConf.contains("\nreplica-announce-ip " + me + "\n"), redisConf);
        assertFalse(redisConf.contains("replicaof"), "pod 0 bootstraps as the master");

        // Pod 2 on the same fresh install: a replica of pod 0.
        assertEquals(0, init.run(2), init::output);
        assertTrue(init.file(2, "redis.conf").contains("\nreplicaof " + REDIS + "-0." + DOMAIN + " 6379\n"));
        assertTrue(init.file(2, "sentinel.conf").contains("\nsentinel monitor mymaster " + REDIS + "-0." + DOMAIN + " 6379 2\n"));
    }

    @Test
    void restartedPodAsksTheSentinelsWhoIsMaster(@TempDir Path dir) throws Exception {
        // After a failover pod 1 is the master. Pod 0 is recreated: it must come up as pod 1's replica,
        // not as a second master.
        RedisInit init = new RedisInit(dir);
        String master = REDIS + "-1." + DOMAIN;
        init.sentinelAnswer(1, master);
        init.sentinelAnswer(2, master);
        assertEquals(0, init.run(0), init::output);
        assertTrue(init.file(0, "redis.conf").contains("\nreplicaof " + master + " 6379\n"), init::output);
        assertTrue(init.file(0, "sentinel.conf").contains("\nsentinel monitor mymaster " + master + " 6379 2\n"));

        // Sentinels disagree (failover in progress): the majority wins; garbage answers do not count.
        RedisInit split = new RedisInit(dir.resolve("split"));
        split.sentinelAnswer(0, "NOAUTH Authentication required.");
        split.sentinelAnswer(1, REDIS + "-3." + DOMAIN);
        split.sentinelAnswer(3, REDIS + "-3." + DOMAIN);
        split.sentinelAnswer(4, REDIS + "-1." + DOMAIN);
        assertEquals(0, split.run(2, 5), split::output);
        assertTrue(split.file(2, "redis.conf").contains("\nreplicaof " + REDIS + "-3." + DOMAIN + " 6379\n"), split::output);

        // No sentinel answers but a server says it is the master (the sentinels are restarting).
        RedisInit servers = new RedisInit(dir.resolve("servers"));
        servers.serverRole(2, "master");
        assertEquals(0, servers.run(0), servers::output);
        assertTrue(servers.file(0, "redis.conf").contains("\nreplicaof " + REDIS + "-2." + DOMAIN + " 6379\n"), servers::output);
    }

    @Test
    void emptyPodNamedMasterWaitsForTheFailover(@TempDir Path dir) throws Exception {
        // Pod 0 was the master and is back, empty, before the sentinels noticed: it waits (here up to 2 s,
        // EMPTY_MASTER_WAIT_SECONDS) and, as they still name it, starts as the master rather than never.
        RedisInit init = new RedisInit(dir);
        init.sentinelAnswer(1, REDIS + "-0." + DOMAIN);
        long start = System.nanoTime();
        assertEquals(0, init.run(0, 3, Map.of("EMPTY_MASTER_WAIT_SECONDS", "2")), init::output);
        assertTrue(System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(1900), init::output);
        assertTrue(init.output().contains("waiting for a failover"), init::output);
        assertFalse(init.file(0, "redis.conf").contains("replicaof"));
    }

    @Test
    void redisScriptsAreValidShell() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
        Map<String, Object> scripts = at(defaults.get("ConfigMap", REDIS + "-scripts"), "data", Map.class);
        assertEquals(List.of("init.sh", "sentinel.sh", "redis-prestop.sh", "redis-extra.conf"), List.copyOf(scripts.keySet()));
        for (String name : List.of("init.sh", "sentinel.sh", "redis-prestop.sh")) {
            Path script = tmp.resolve(name);
            Files.writeString(script, (String) scripts.get(name));
            Process p = new ProcessBuilder("/bin/sh", "-n", script.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), name + ": " + out);
        }
        // The scripts change the pods only through a rollout: their checksum is on the pod template.
        assertTrue(String.valueOf(at(defaults.get("StatefulSet", REDIS), "spec.template.metadata.annotations", Map.class)
                .get("checksum/scripts")).matches("[0-9a-f]{64}"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // external Redis

    @Test
    void externalStandaloneRedis() throws IOException {
        Manifests m = render(valuesFile("""
                redis:
                  enabled: false
                externalRedis:
                  clientType: standalone
                  hosts: ["redis://redis.example.com:6379"]
                """));
        assertEquals(List.of("ConfigMap/" + APP, "ConfigMap/" + APP + "-dashboard", "Deployment/" + APP,
                "PodDisruptionBudget/" + APP, "Secret/" + APP, "Service/" + APP, "Service/" + APP + "-management",
                "ServiceAccount/" + APP), m.names());
        Map<String, Object> config = at(m.get("ConfigMap", APP), "data", Map.class);
        assertEquals("standalone", config.get("QUARKUS_REDIS_CLIENT_TYPE"));
        assertEquals("redis://redis.example.com:6379", config.get("QUARKUS_REDIS_HOSTS"));
        assertFalse(config.containsKey("QUARKUS_REDIS_MASTER_NAME"));
        assertEquals(PASSWORD, b64(at(m.get("Secret", APP), "data.redis-password")));
    }

    @Test
    void externalSentinels() throws IOException {
        Manifests m = render(valuesFile("""
                secret:
                  redisPassword: ""
                redis:
                  enabled: false
                externalRedis:
                  clientType: sentinel
                  masterName: prod
                  hosts:
                    - redis://sentinel-a.example.com:26379
                    - redis://sentinel-b.example.com:26379
                """));
        assertNull(m.find("StatefulSet", REDIS));
        Map<String, Object> config = at(m.get("ConfigMap", APP), "data", Map.class);
        assertEquals("sentinel", config.get("QUARKUS_REDIS_CLIENT_TYPE"));
        assertEquals("redis://sentinel-a.example.com:26379,redis://sentinel-b.example.com:26379", config.get("QUARKUS_REDIS_HOSTS"));
        assertEquals("prod", config.get("QUARKUS_REDIS_MASTER_NAME"));
        assertEquals("master", config.get("QUARKUS_REDIS_ROLE"));
        // No password for this Redis: nothing generated, and the reference is optional.
        assertNull(at(m.get("Secret", APP), "data"));
        Map<String, Object> password = env(container(m.get("Deployment", APP), "roomcast")).get("QUARKUS_REDIS_PASSWORD");
        assertEquals(true, at(password, "valueFrom.secretKeyRef.optional"));
    }

    @Test
    void externalRedisCluster() throws IOException {
        Manifests m = render(valuesFile("""
                redis:
                  enabled: false
                externalRedis:
                  clientType: cluster
                  hosts:
                    - redis://redis-0.example.com:6379
                    - redis://redis-1.example.com:6379
                    - redis://redis-2.example.com:6379
                """));
        assertNull(m.find("StatefulSet", REDIS), "no bundled Sentinel Redis");
        assertNull(m.find("NetworkPolicy", REDIS));
        Map<String, Object> config = at(m.get("ConfigMap", APP), "data", Map.class);
        assertEquals("cluster", config.get("QUARKUS_REDIS_CLIENT_TYPE"));
        assertEquals("redis://redis-0.example.com:6379,redis://redis-1.example.com:6379,redis://redis-2.example.com:6379",
                config.get("QUARKUS_REDIS_HOSTS"));
        assertFalse(config.containsKey("QUARKUS_REDIS_MASTER_NAME"));
        assertFalse(config.containsKey("QUARKUS_REDIS_ROLE"));
        Map<String, Object> password = env(container(m.get("Deployment", APP), "roomcast")).get("QUARKUS_REDIS_PASSWORD");
        assertEquals("redis-password", at(password, "valueFrom.secretKeyRef.key"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // optional objects

    @Test
    void optionalObjectsWhenEnabled() throws IOException {
        Manifests m = render(valuesFile("""
                ingress:
                  enabled: true
                  annotations:
                    cert-manager.io/cluster-issuer: letsencrypt
                  hosts:
                    - host: chat.example.com
                      paths:
                        - path: /
                          pathType: Prefix
                  tls:
                    - secretName: chat-tls
                      hosts: [chat.example.com]
                autoscaling:
                  enabled: true
                  minReplicas: 3
                  maxReplicas: 12
                serviceMonitor:
                  enabled: true
                  labels:
                    release: kube-prometheus-stack
                networkPolicy:
                  enabled: true
                  ingressFrom:
                    - namespaceSelector:
                        matchLabels:
                          kubernetes.io/metadata.name: ingress-nginx
                """));
        Map<String, Object> ingress = m.get("Ingress", APP);
        assertEquals(Map.of("cert-manager.io/cluster-issuer", "letsencrypt",
                "nginx.ingress.kubernetes.io/proxy-read-timeout", "3600",
                "nginx.ingress.kubernetes.io/proxy-send-timeout", "3600"), at(ingress, "metadata.annotations"));
        assertEquals("nginx", at(ingress, "spec.ingressClassName"));
        Map<String, Object> rule = first(ingress, "spec.rules");
        assertEquals("chat.example.com", rule.get("host"));
        assertEquals(Map.of("name", APP, "port", Map.of("name", "http")),
                at(first(rule, "http.paths"), "backend.service"));
        assertEquals(List.of(Map.of("secretName", "chat-tls", "hosts", List.of("chat.example.com"))), at(ingress, "spec.tls"));

        Map<String, Object> hpa = m.get("HorizontalPodAutoscaler", APP);
        assertEquals("autoscaling/v2", hpa.get("apiVersion"));
        assertEquals(Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", APP), at(hpa, "spec.scaleTargetRef"));
        assertEquals(3, at(hpa, "spec.minReplicas"));
        assertEquals(12, at(hpa, "spec.maxReplicas"));
        assertEquals(List.of(Map.of("type", "Resource", "resource", Map.of("name", "cpu",
                "target", Map.of("type", "Utilization", "averageUtilization", 70)))), at(hpa, "spec.metrics"));
        assertEquals(300, at(hpa, "spec.behavior.scaleDown.stabilizationWindowSeconds"));
        // The HPA owns the replica count.
        assertFalse(at(m.get("Deployment", APP), "spec", Map.class).containsKey("replicas"));

        Map<String, Object> monitor = m.get("ServiceMonitor", APP);
        assertEquals("monitoring.coreos.com/v1", monitor.get("apiVersion"));
        assertEquals("kube-prometheus-stack", at(monitor, "metadata.labels.release"));
        Map<String, Object> endpoint = first(monitor, "spec.endpoints");
        assertEquals("management", endpoint.get("port"));
        assertEquals("/q/metrics", endpoint.get("path"));
        // It selects the management Service, and only it: the public one never carries metrics.
        Map<String, Object> selector = at(monitor, "spec.selector.matchLabels", Map.class);
        assertTrue(at(m.get("Service", APP + "-management"), "metadata.labels", Map.class).entrySet()
                .containsAll(selector.entrySet()));
        assertFalse(at(m.get("Service", APP), "metadata.labels", Map.class).entrySet().containsAll(selector.entrySet()));

        Map<String, Object> appPolicy = m.get("NetworkPolicy", APP);
        Map<String, Object> appRule = first(appPolicy, "spec.ingress");
        assertEquals(List.of(Map.of("port", "http", "protocol", "TCP")), appRule.get("ports"));
        assertEquals(List.of(Map.of("port", "management", "protocol", "TCP")),
                ((List<Map<String, Object>>) at(appPolicy, "spec.ingress")).get(1).get("ports"));
        assertEquals("ingress-nginx", at(first(appRule, "from"), "namespaceSelector.matchLabels.kubernetes.io/metadata.name"));
        Map<String, Object> redisPolicy = m.get("NetworkPolicy", REDIS);
        assertEquals(at(m.get("StatefulSet", REDIS), "spec.selector.matchLabels"), at(redisPolicy, "spec.podSelector.matchLabels"));
        Map<String, Object> redisRule = first(redisPolicy, "spec.ingress");
        assertEquals(List.of(Map.of("podSelector", Map.of("matchLabels", at(m.get("Deployment", APP), "spec.selector.matchLabels"))),
                Map.of("podSelector", Map.of("matchLabels", at(m.get("StatefulSet", REDIS), "spec.selector.matchLabels")))), redisRule.get("from"));

        // Explicit annotations win over the WebSocket defaults.
        Manifests custom = render(valuesFile("""
                ingress:
                  enabled: true
                  annotations:
                    nginx.ingress.kubernetes.io/proxy-read-timeout: "7200"
                """));
        assertEquals("7200", at(custom.get("Ingress", APP), "metadata.annotations", Map.class).get("nginx.ingress.kubernetes.io/proxy-read-timeout"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Grafana dashboard

    @Test
    void dashboardConfigMapCarriesTheGrafanaFile() throws IOException {
        Map<String, Object> cm = defaults.get("ConfigMap", APP + "-dashboard");
        assertEquals("1", at(cm, "metadata.labels.grafana_dashboard"));
        assertEquals("chat", at(cm, "metadata.namespace"));
        assertEquals(Files.readString(DASHBOARD, StandardCharsets.UTF_8), at(cm, "data.roomcast.json"));
        // One source of truth: the chart's copy is a link to the repository's dashboard, not a second file.
        Path link = CHART.resolve("dashboards/roomcast.json");
        assertTrue(Files.isSymbolicLink(link), link + " must be a symlink to " + DASHBOARD);
        assertTrue(Files.isSameFile(link, DASHBOARD));

        Manifests elsewhere = render(Map.of("grafanaDashboard.namespace", "monitoring"));
        assertEquals("monitoring", at(elsewhere.get("ConfigMap", APP + "-dashboard"), "metadata.namespace"));
        assertNull(render(Map.of("grafanaDashboard.enabled", false)).find("ConfigMap", APP + "-dashboard"));
    }

    // =========================================================================================================
    // helpers

    /** The rendered manifests, by kind and name. */
    record Manifests(List<Map<String, Object>> all) {

        Map<String, Object> find(String kind, String name) {
            return all.stream().filter(m -> kind.equals(m.get("kind")) && name.equals(at(m, "metadata.name"))).findFirst().orElse(null);
        }

        Map<String, Object> get(String kind, String name) {
            Map<String, Object> m = find(kind, name);
            assertNotNull(m, () -> kind + "/" + name + " not rendered; got " + names());
            return m;
        }

        List<String> names() {
            return all.stream().map(HelmChartTest::name).sorted().toList();
        }
    }

    static Manifests render(Map<String, Object> set) {
        return render(set, KUBE_VERSION);
    }

    static Manifests render(Map<String, Object> set, String kubeVersion) {
        return parse(template(set, null, kubeVersion));
    }

    static Manifests render(Path valuesFile) {
        return parse(template(Map.of(), valuesFile, KUBE_VERSION));
    }

    static String template(Map<String, Object> set, Path valuesFile, String kubeVersion) {
        TemplateCommand t = new Helm(CHART).template().withName("rc").withNamespace("chat").withKubeVersion(kubeVersion)
                .withValuesFile(passwordValues());
        if (valuesFile != null) {
            t = t.withValuesFile(valuesFile);
        }
        for (Map.Entry<String, Object> e : set.entrySet()) {
            t = t.set(e.getKey(), e.getValue());
        }
        return t.call();
    }

    private static Path passwordValues;

    /** Values file setting the Redis password (see the class comment); later values files override it. */
    static synchronized Path passwordValues() {
        if (passwordValues == null) {
            try {
                passwordValues = Files.createTempFile(tmp, "password", ".yaml");
                Files.writeString(passwordValues, "secret:\n  redisPassword: \"%s\"\n"
                        .formatted(PASSWORD.replace("\\", "\\\\").replace("\"", "\\\"")));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return passwordValues;
    }

    private static final YAMLMapper YAML = new YAMLMapper();

    @SuppressWarnings("unchecked")
    static Manifests parse(String yaml) {
        List<Map<String, Object>> docs = new ArrayList<>();
        // Duplicate keys are refused, as Kubernetes would refuse them; empty documents are skipped.
        try (MappingIterator<Object> it = YAML.readerFor(Object.class)
                .with(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).readValues(yaml)) {
            while (it.hasNext()) {
                Object doc = it.next();
                if (doc == null) {
                    continue;
                }
                assertTrue(doc instanceof Map, () -> "not a manifest: " + doc);
                docs.add((Map<String, Object>) doc);
            }
        } catch (IOException e) {
            throw new IllegalStateException("helm rendered invalid YAML", e);
        }
        return new Manifests(docs);
    }

    static Path valuesFile(String content) throws IOException {
        Path file = Files.createTempFile(tmp, "values", ".yaml");
        Files.writeString(file, content);
        return file;
    }

    static void assertRejected(Object values, String mention) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            if (values instanceof Path file) {
                template(Map.of(), file, KUBE_VERSION);
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> set = (Map<String, Object>) values;
                template(set, null, KUBE_VERSION);
            }
        }, () -> "accepted: " + values);
        assertTrue(e.getMessage().contains(mention), () -> "error should mention " + mention + ": " + e.getMessage());
    }

    static String name(Map<String, Object> manifest) {
        return manifest.get("kind") + "/" + at(manifest, "metadata.name");
    }

    /**
     * The value at a dotted path; a segment may itself contain dots when it is a key of the map (e.g.
     * "data.roomcast.json", "metadata.labels.kubernetes.io/name"): the longest matching key wins.
     */
    static Object at(Object node, String path) {
        if (path.isEmpty()) {
            return node;
        }
        if (!(node instanceof Map<?, ?> map)) {
            return null;
        }
        String[] parts = path.split("\\.");
        for (int n = parts.length; n >= 1; n--) {
            String key = String.join(".", List.of(parts).subList(0, n));
            if (map.containsKey(key)) {
                return at(map.get(key), String.join(".", List.of(parts).subList(n, parts.length)));
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object node, String path, Class<? super T> type) {
        Object value = at(node, path);
        assertTrue(type.isInstance(value), () -> path + " is not a " + type.getSimpleName() + ": " + value);
        return (T) value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    /** The first element, a map, of the list at path. */
    static Map<String, Object> first(Object node, String path) {
        List<?> list = at(node, path, List.class);
        assertFalse(list.isEmpty(), () -> path + " is empty");
        return cast((Map<?, ?>) list.get(0));
    }

    static Map<String, Object> container(Map<String, Object> workload, String name) {
        List<Map<String, Object>> containers = at(workload, "spec.template.spec.containers", List.class);
        return containers.stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    static Map<String, Object> volume(Map<String, Object> workload, String name) {
        List<Map<String, Object>> volumes = at(workload, "spec.template.spec.volumes", List.class);
        return volumes.stream().filter(v -> name.equals(v.get("name"))).findFirst().orElse(null);
    }

    static Map<String, Map<String, Object>> env(Map<String, Object> container) {
        Map<String, Map<String, Object>> env = new LinkedHashMap<>();
        for (Object e : at(container, "env", List.class)) {
            Map<String, Object> var = cast((Map<?, ?>) e);
            assertNull(env.put((String) var.get("name"), var), () -> "duplicate env " + var.get("name"));
        }
        return env;
    }

    /** Configuration from environment variables only, with Quarkus' duration syntax ({@code 2s}, {@code 750ms}). */
    static SmallRyeConfigBuilder applicationConfig(Map<String, String> env) {
        return new SmallRyeConfigBuilder().withSources(new EnvConfigSource(env, 300))
                .withConverter(Duration.class, 200, new DurationConverter());
    }

    /** A map of key, value, key, value, ... in that order. */
    static Map<String, Object> pairs(String... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** The entries whose key starts with {@code prefix}. */
    static Map<String, Object> prefixed(Map<String, Object> map, String prefix) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * The roomcast container's environment as the kubelet builds it: the ConfigMap (envFrom), then the env list on
     * top, with secretKeyRefs read from the rendered Secret (an optional reference to an absent key sets nothing).
     */
    static Map<String, String> podEnvironment(Manifests m) {
        Map<String, String> env = new LinkedHashMap<>();
        at(m.get("ConfigMap", APP), "data", Map.class).forEach((k, v) -> env.put((String) k, String.valueOf(v)));
        Map<?, ?> secret = at(m.get("Secret", APP), "data", Map.class);
        for (Map.Entry<String, Map<String, Object>> e : env(container(m.get("Deployment", APP), "roomcast")).entrySet()) {
            Map<String, Object> var = e.getValue();
            if (var.containsKey("value")) {
                env.put(e.getKey(), String.valueOf(var.get("value")));
            } else if (at(var, "valueFrom.secretKeyRef") instanceof Map<?, ?> ref) {
                assertEquals(APP, ref.get("name"));
                Object value = secret.get(ref.get("key"));
                assertTrue(value != null || Boolean.TRUE.equals(ref.get("optional")), () -> "missing required " + ref);
                if (value != null) {
                    env.put(e.getKey(), b64(value));
                }
            }
        }
        return env;
    }

    static void collectSecretRefs(Object node, List<String> names) {
        if (node instanceof Map<?, ?> map) {
            if (map.get("secretKeyRef") instanceof Map<?, ?> ref) {
                names.add((String) ref.get("name"));
            }
            map.values().forEach(v -> collectSecretRefs(v, names));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> collectSecretRefs(v, names));
        }
    }

    static String b64(Object value) {
        return new String(Base64.getDecoder().decode((String) value), StandardCharsets.UTF_8);
    }

    /**
     * Runs the Redis pods' init script, as rendered, outside Kubernetes: a fake redis-cli answers for the
     * other pods' sentinels and servers, from files this class writes.
     */
    static final class RedisInit {
        private final Path dir;
        private final StringBuilder output = new StringBuilder();

        RedisInit(Path dir) throws IOException {
            assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
            this.dir = Files.createDirectories(dir);
            Files.createDirectories(dir.resolve("answers"));
            Files.writeString(dir.resolve("init.sh"), (String) at(defaults.get("ConfigMap", REDIS + "-scripts"), "data.init.sh"));
            Path cli = Files.createDirectories(dir.resolve("bin")).resolve("redis-cli");
            // redis-cli -h HOST -p PORT COMMAND...: prints answers/HOST_PORT_COMMAND if it exists, else fails like
            // an unreachable server.
            Files.writeString(cli, """
                    #!/bin/sh
                    while [ "$#" -gt 0 ]; do
                      case "$1" in
                        -h) host="$2"; shift 2 ;;
                        -p) port="$2"; shift 2 ;;
                        *) break ;;
                      esac
                    done
                    f="$FAKE_ANSWERS/${host}_${port}_$1"
                    [ -f "$f" ] || { echo "Could not connect to Redis at ${host}:${port}: Connection refused" >&2; exit 1; }
                    cat "$f"
                    """);
            Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        void sentinelAnswer(int pod, String master) throws IOException {
            Files.writeString(dir.resolve("answers/" + REDIS + "-" + pod + "." + DOMAIN + "_26379_sentinel"), master + "\n6379\n");
        }

        void serverRole(int pod, String role) throws IOException {
            Files.writeString(dir.resolve("answers/" + REDIS + "-" + pod + "." + DOMAIN + "_6379_role"), role + "\n0\n");
        }

        int run(int pod) throws Exception {
            return run(pod, 3, Map.of());
        }

        int run(int pod, int replicas) throws Exception {
            return run(pod, replicas, Map.of());
        }

        int run(int pod, int replicas, Map<String, String> extraEnv) throws Exception {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", dir.resolve("init.sh").toString()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("PATH", dir.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
            env.put("FAKE_ANSWERS", dir.resolve("answers").toString());
            env.put("POD_NAME", REDIS + "-" + pod);
            env.put("POD_NAMESPACE", "chat");
            env.put("STATEFULSET_NAME", REDIS);
            env.put("HEADLESS_SERVICE", HEADLESS);
            env.put("CLUSTER_DOMAIN", "cluster.local");
            env.put("REDIS_REPLICAS", String.valueOf(replicas));
            env.put("REDIS_PASSWORD", PASSWORD);
            env.put("SENTINEL_MASTER_NAME", "mymaster");
            env.put("SENTINEL_QUORUM", "2");
            env.put("SENTINEL_DOWN_AFTER_MS", "5000");
            env.put("SENTINEL_FAILOVER_TIMEOUT_MS", "60000");
            env.put("EMPTY_MASTER_WAIT_SECONDS", "30");
            env.put("REDIS_APPENDONLY", "yes");
            env.put("CONF_DIR", dir.resolve("p" + pod + "/conf").toString());
            env.put("DATA_DIR", Files.createDirectories(dir.resolve("p" + pod + "/data")).toString());
            env.put("EXTRA_CONF", dir.resolve("none").toString());
            env.putAll(extraEnv);
            Process p = pb.start();
            output.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "init.sh timed out");
            return p.exitValue();
        }

        String file(int pod, String name) throws IOException {
            return Files.readString(dir.resolve("p" + pod + "/conf/" + name));
        }

        String output() {
            return output.toString();
        }
    }
}
