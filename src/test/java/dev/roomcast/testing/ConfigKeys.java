package dev.roomcast.testing;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every {@code roomcast.*} key of the application's {@code @ConfigMapping} classes, found in the compiled code (so a
 * new mapping is included without being listed anywhere), with its {@code @WithDefault} (null: none).
 */
public final class ConfigKeys {

    private static Map<String, String> all;

    private ConfigKeys() {
    }

    /** key → default, sorted by key. */
    public static synchronized Map<String, String> all() {
        if (all == null) {
            Map<String, String> keys = new TreeMap<>();
            for (JavaClass c : new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("dev.roomcast")) {
                if (c.isAnnotatedWith(ConfigMapping.class)) {
                    Class<?> mapping = c.reflect();
                    collect(mapping.getAnnotation(ConfigMapping.class).prefix(), mapping, keys);
                }
            }
            all = Collections.unmodifiableMap(keys);
        }
        return all;
    }

    /** The environment variable MicroProfile Config reads for {@code key}: {@code roomcast.a-b.c} → ROOMCAST_A_B_C. */
    public static String envName(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** The keys of one mapping interface: a method returning a nested mapping interface is a group. */
    private static void collect(String prefix, Class<?> mapping, Map<String, String> out) {
        for (Method m : mapping.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.isDefault() || m.getParameterCount() > 0) {
                continue;
            }
            WithName name = m.getAnnotation(WithName.class);
            String key = prefix + "." + (name != null ? name.value() : kebab(m.getName()));
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getDeclaringClass() != null && !type.getName().startsWith("java.")) {
                collect(key, type, out);
            } else {
                WithDefault d = m.getAnnotation(WithDefault.class);
                out.put(key, d == null ? null : d.value());
            }
        }
    }

    /** SmallRye's default naming: {@code maxConcurrency} → {@code max-concurrency}. */
    private static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
