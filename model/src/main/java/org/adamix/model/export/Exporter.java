package org.adamix.model.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.adamix.model.AdaMixModel;
import org.adamix.model.checkpoint.AtomicFiles;
import org.adamix.model.io.AdapterCheckpoint;

/**
 * Every export of a trained model in one folder, written atomically (a temporary sibling renamed
 * into place):
 *
 * <ul>
 *   <li>{@code mixture/} — the model as trained ({@link AdapterCheckpoint}, no optimizer state);
 *   <li>{@code merged/} — the single module after averaging the experts (adamix-adapter → pfeiffer,
 *       adamix-lora → lora; other methods unchanged), also an {@link AdapterCheckpoint};
 *   <li>{@code peft/} — LoRA methods only: the merged LoRA in Hugging Face PEFT's layout ({@link
 *       PeftLoraWriter});
 *   <li>{@code full/} — the merged full model ({@link MergedModelWriter}; loads with {@link
 *       MergedModelLoader}).
 * </ul>
 */
public final class Exporter {

    public static final String MIXTURE = "mixture";
    public static final String MERGED = "merged";
    public static final String PEFT = "peft";
    public static final String FULL = "full";

    /** What was written, as final paths ({@code peft} null when the method is not LoRA). */
    public record Exported(Path mixture, Path merged, Path peft, Path full, boolean folded) {}

    private Exporter() {}

    /** Writes all exports of {@code mixture} to {@code outDir}, replacing an older export there. */
    public static Exported exportAll(AdaMixModel mixture, Path outDir, List<String> labels)
            throws IOException {
        MergedModelWriter.labelNames(
                mixture.head(), labels); // fail on a wrong label list before writing anything
        Path out = outDir.toAbsolutePath().normalize();
        boolean lora = mixture.adaptation().method().lora();
        AtomicFiles.writeDir(
                out,
                tmp -> {
                    AdapterCheckpoint.save(mixture, tmp.resolve(MIXTURE), false, labels);
                    AdaMixModel merged = mixture.merge(false);
                    AdapterCheckpoint.save(merged, tmp.resolve(MERGED), false, labels);
                    if (lora) {
                        Files.createDirectory(tmp.resolve(PEFT));
                        PeftLoraWriter.writeInto(
                                merged, tmp.resolve(PEFT), mixture.backbone().name());
                    }
                    Files.createDirectory(tmp.resolve(FULL));
                    MergedModelWriter.writeInto(mixture, tmp.resolve(FULL), labels);
                });
        return new Exported(
                out.resolve(MIXTURE),
                out.resolve(MERGED),
                lora ? out.resolve(PEFT) : null,
                out.resolve(FULL),
                MergedModelWriter.foldable(mixture.adaptation().method()));
    }
}
