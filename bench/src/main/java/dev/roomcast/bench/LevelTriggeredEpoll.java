package dev.roomcast.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollMode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.VertxBuilder;
import io.vertx.core.impl.transports.EpollTransport;
import io.vertx.core.net.ClientOptionsBase;

/**
 * Vert.x's epoll transport with level-triggered client sockets. Netty's epoll default, edge-triggered, reads every
 * ready socket until EAGAIN: with one small message per socket per wake-up that is two {@code recv} calls per message
 * instead of one, and on this kind of VM a system call costs about a microsecond. The mode can only be chosen before
 * a channel is registered, hence a transport (Vert.x's own API has no option for it).
 */
final class LevelTriggeredEpoll extends EpollTransport {

    /** A Vert.x instance on this transport, or on Java NIO when {@code nativeTransport} is off or epoll is missing. */
    static Vertx vertx(VertxOptions options, boolean nativeTransport) {
        if (!nativeTransport || !Epoll.isAvailable()) {
            return Vertx.vertx(options.setPreferNativeTransport(false));
        }
        return new VertxBuilder(options.setPreferNativeTransport(true)).findTransport(new LevelTriggeredEpoll()).init().vertx();
    }

    @Override
    @SuppressWarnings("deprecation")
    public void configure(ClientOptionsBase options, boolean domainSocket, Bootstrap bootstrap) {
        super.configure(options, domainSocket, bootstrap);
        bootstrap.option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
    }
}
