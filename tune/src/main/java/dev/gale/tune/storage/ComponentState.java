package dev.gale.tune.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The saved state of a searcher or a scheduler: its {@code name()} and what its {@code save()}
 * returned (plain JSON values), as a restore hands it back to {@code restore(Object)}.
 *
 * @param name  the component's name ({@code tpe}, {@code asha}, ...); null when unknown
 * @param state its saved state (null when it saved nothing)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ComponentState(@JsonProperty("name") String name, @JsonProperty("state") Object state) {
}
