package dev.roomcast.protocol;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameParserTest {

    @Test
    void cutsDataOutOfTheOriginalText() {
        String data = "{ \"x\" : [1, 2.50, \"\\u00e9\"] }";
        ClientFrame f = FrameParser.parse("{\"type\":\"publish\",\"room\":\"r\",\"data\":" + data + ",\"id\":\"7\"}");
        assertThat(f.data()).isEqualTo(data);
        assertThat(f.id()).isEqualTo("7");
        assertThat(FrameParser.parse("{\"type\":\"publish\",\"data\":\"a\\\"b\"}").data()).isEqualTo("\"a\\\"b\"");
        assertThat(FrameParser.parse("{\"type\":\"publish\",\"data\":-12.5e3}").data()).isEqualTo("-12.5e3");
        assertThat(FrameParser.parse("{\"type\":\"publish\",\"data\":null}").data()).isEqualTo("null");
    }

    @Test
    void refusesWhatIsNotAFrame() {
        for (String bad : new String[] {"", "[]", "1", "{", "{\"type\":1}", "{\"id\":\"x\"}", "{\"type\":\"a\"} {}",
                "{\"type\":\"a\",\"presence\":\"yes\"}", "{\"type\":\"a\",\"data\":" + "[".repeat(100) + "]".repeat(100) + "}"}) {
            assertThatThrownBy(() -> FrameParser.parse(bad)).as(bad).isInstanceOf(ProtocolException.class)
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.bad_request);
        }
    }

    @Test
    void echoesTheIdOfARefusedFrameWhenItWasRead() {
        assertThatThrownBy(() -> FrameParser.parse("{\"id\":\"q\",\"type\":\"join\",\"room\":5}"))
                .extracting(e -> ((ProtocolException) e).frameId()).isEqualTo("q");
    }
}
