package dev.roomcast.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kills every child process the harness started when the test JVM exits, so a test that forgets
 * close() (or a failing @BeforeAll) does not leave redis-servers or app nodes running on the CI machine.
 */
final class ProcessReaper {

    private static final Set<ProcessHandle> CHILDREN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessReaper::killAll, "roomcast-test-process-reaper"));
    }

    private ProcessReaper() {
    }

    static void register(Process process) {
        CHILDREN.add(process.toHandle());
    }

    static void forget(Process process) {
        CHILDREN.remove(process.toHandle());
    }

    private static void killAll() {
        for (ProcessHandle child : CHILDREN) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }
}
