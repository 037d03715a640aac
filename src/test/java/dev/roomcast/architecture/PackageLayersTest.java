package dev.roomcast.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package map of docs/architecture.md, enforced: no cycle among {@code dev.roomcast.*} packages, and no
 * package imports one of a higher layer. Packages of one layer do not import each other either.
 */
class PackageLayersTest {

    /** Bottom first. Each package may use only packages of the layers below its own. */
    private static final List<List<String>> LAYERS = List.of(
            List.of("protocol", "config", "http"),
            List.of("broker"),
            List.of("outbox"),
            List.of("presence"),
            List.of("hub"),
            List.of("node"),
            List.of("auth", "hooks", "webhooks"),
            List.of("ws", "api"),
            List.of("health", "metrics", "wiring"));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.roomcast");

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("dev.roomcast.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void noPackageImportsAHigherLayer() {
        Architectures.LayeredArchitecture rule = Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (List<String> layer : LAYERS) {
            for (String pkg : layer) {
                rule = rule.layer(pkg).definedBy("dev.roomcast." + pkg + "..");
            }
        }
        for (int i = 0; i < LAYERS.size(); i++) {
            List<String> above = new ArrayList<>();
            for (int j = i + 1; j < LAYERS.size(); j++) {
                above.addAll(LAYERS.get(j));
            }
            for (String pkg : LAYERS.get(i)) {
                rule = above.isEmpty()
                        ? rule.whereLayer(pkg).mayNotBeAccessedByAnyLayer()
                        : rule.whereLayer(pkg).mayOnlyBeAccessedByLayers(above.toArray(String[]::new));
            }
        }
        rule.check(MAIN);
    }

    @Test
    void everyPackageHasALayer() {
        Set<String> packages = new TreeSet<>();
        for (JavaClass c : MAIN) {
            String name = c.getPackageName();
            if (name.startsWith("dev.roomcast.")) {
                packages.add(name.substring("dev.roomcast.".length()).split("\\.")[0]);
            }
        }
        Set<String> layered = new TreeSet<>();
        LAYERS.forEach(layered::addAll);
        assertThat(layered).as("a new package needs its place in LAYERS and docs/architecture.md").containsAll(packages);
        assertThat(packages).containsAll(layered);
    }
}
