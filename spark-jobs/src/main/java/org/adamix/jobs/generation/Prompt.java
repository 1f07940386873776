package org.adamix.jobs.generation;

import java.io.Serializable;

/** One input to generate from: where it was read (line, id) and its source text. */
public record Prompt(long line, String id, String source) implements Serializable {}
