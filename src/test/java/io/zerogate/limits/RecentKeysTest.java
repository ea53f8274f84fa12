package io.zerogate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The table of recently hashed key texts: a text seen again is not made again, and never answered with another's value. */
class RecentKeysTest {

    private final AtomicInteger made = new AtomicInteger();
    private final RecentKeys<String> keys = new RecentKeys<>();

    private String make(String text) {
        made.incrementAndGet();
        return "made:" + text;
    }

    @Test
    void aTextSeenAgainIsNotMadeAgain() {
        assertThat(keys.get("h:alice", this::make)).isEqualTo("made:h:alice");
        assertThat(keys.get(new String("h:alice"), this::make)).isEqualTo("made:h:alice");
        assertThat(made).hasValue(1);
    }

    @Test
    void textsSharingASlotAreEachAnsweredWithTheirOwnValue() {
        // More texts than slots: some share a slot and take it from each other.
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < RecentKeys.SLOTS * 4; i++) {
            texts.add("h:caller-" + i);
        }
        for (int round = 0; round < 3; round++) {
            for (String text : texts) {
                assertThat(keys.get(text, this::make)).isEqualTo("made:" + text);
            }
        }
        assertThat(made.get()).isGreaterThan(texts.size()).isLessThanOrEqualTo(3 * texts.size());
    }

    @Test
    void longTextsAreNotKept() {
        String text = "h:" + "x".repeat(RecentKeys.MAX_TEXT_LENGTH);
        assertThat(keys.get(text, this::make)).isEqualTo("made:" + text);
        assertThat(keys.get(text, this::make)).isEqualTo("made:" + text);
        assertThat(made).hasValue(2);
    }
}
