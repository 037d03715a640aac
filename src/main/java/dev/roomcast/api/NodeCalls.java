package dev.roomcast.api;

import io.smallrye.mutiny.Uni;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/** A call of the node as an endpoint's answer: its result as the response record, a failure as the API's error. */
final class NodeCalls {

    private NodeCalls() {
    }

    /**
     * @param call     the node call; a refusal it throws before returning a stage is answered like a failed stage
     * @param response the response built from the call's result
     */
    static <T, R> Uni<R> answer(Supplier<? extends CompletionStage<? extends T>> call, Function<T, R> response) {
        return Uni.createFrom().<T>completionStage(call::get)
                .onItem().transform(response)
                .onFailure().transform(ApiError::from);
    }
}
