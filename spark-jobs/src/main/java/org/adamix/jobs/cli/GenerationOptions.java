package org.adamix.jobs.cli;

import org.adamix.jobs.generation.GenerationBackbone;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.model.decoder.BeamOptions;
import picocli.CommandLine.Option;

/**
 * How generate and evaluate --task generation decode (batch size, workers and master are the
 * commands' own): the AdaMix paper's E2E beam search by default (10 beams, length penalty 0.8, no
 * repeated 4-gram).
 */
public final class GenerationOptions {
    @Option(
            names = "--beams",
            defaultValue = "10",
            description = "Beams (default ${DEFAULT-VALUE}, the paper's; 1 = greedy).")
    public int beams;

    @Option(
            names = "--length-penalty",
            defaultValue = "0.8",
            description = "Beam score = log-prob / length^penalty (default ${DEFAULT-VALUE}).")
    public double lengthPenalty;

    @Option(
            names = "--no-repeat-ngram",
            defaultValue = "4",
            description = "No n-gram of this size twice; 0 = off (default ${DEFAULT-VALUE}).")
    public int noRepeatNgram;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "64",
            description =
                    "Tokens generated at most, the end token included (default ${DEFAULT-VALUE}).")
    public int maxNewTokens;

    @Option(
            names = "--max-prompt-tokens",
            description =
                    "Longer prompts keep their last tokens (default: what n_positions leaves after --max-new-tokens).")
    public Integer maxPromptTokens;

    /** --max-prompt-tokens, or all the positions the new tokens leave. */
    public int maxPromptTokens(GenerationBackbone bb) {
        return maxPromptTokens != null
                ? maxPromptTokens
                : bb.backbone().config().maxPositions() - maxNewTokens + 1;
    }

    @Option(
            names = "--raw-prompt",
            description =
                    "Do not end the prompt with <|endoftext|> (the separator of train --task generation's layout).")
    public boolean rawPrompt;

    public BeamOptions beamOptions(int eos) {
        return new BeamOptions(beams, lengthPenalty, noRepeatNgram, maxNewTokens, eos);
    }

    /** The options against the backbone, on the driver. */
    public void check(GenerationBackbone bb) {
        int positions = bb.backbone().config().maxPositions();
        if (beams < 1) throw new JobInputException("--beams must be >= 1, got " + beams);
        if (maxNewTokens < 1)
            throw new JobInputException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        int prompt = maxPromptTokens(bb);
        if (prompt < 1 || prompt + maxNewTokens - 1 > positions)
            throw new JobInputException(
                    "--max-prompt-tokens "
                            + prompt
                            + " + --max-new-tokens "
                            + maxNewTokens
                            + " exceed the backbone's n_positions "
                            + positions);
        if (noRepeatNgram < 0)
            throw new JobInputException("--no-repeat-ngram must be >= 0, got " + noRepeatNgram);
    }
}
