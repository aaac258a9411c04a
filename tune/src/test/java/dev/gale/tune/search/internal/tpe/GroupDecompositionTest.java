package dev.gale.tune.search.internal.tpe;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GroupDecompositionTest {
    @Test
    void namesThatAlwaysCoOccurShareAGroup() {
        List<List<String>> g = GroupDecomposition.groups(List.of(
                List.of("branch", "x", "y"), List.of("branch", "z"), List.of("branch", "y", "x"), List.of("branch", "z")));
        assertEquals(List.of(List.of("branch"), List.of("x", "y"), List.of("z")), g);
    }

    @Test
    void aNameSeenInSomeTrialsOfAGroupSplitsIt() {
        List<List<String>> g = GroupDecomposition.groups(List.of(
                List.of("a", "b", "c"), List.of("a", "b"), List.of("d")));
        assertEquals(List.of(List.of("a", "b"), List.of("c"), List.of("d")), g);
        assertEquals(List.of(), GroupDecomposition.groups(List.of()));
        assertEquals(List.of(List.of("a", "b")), GroupDecomposition.groups(List.of(List.of("a", "b"), List.of("a", "b"))));
    }
}
