package dev.roomcast.broker;

import java.time.Clock;
import java.time.Duration;

/** The broker contract on the single-node broker. */
class MemoryBrokerTest extends BrokerContract {

    @Override
    protected Broker start(BrokerListener listener) {
        MemoryBroker b = new MemoryBroker(HISTORY_SIZE, Duration.ofMinutes(15), Clock.systemUTC());
        b.start(listener);
        return b;
    }

    @Override
    protected void stop(Broker broker) {
    }

    @Override
    protected String offsetAheadOfHistory() {
        return "1000000";
    }
}
