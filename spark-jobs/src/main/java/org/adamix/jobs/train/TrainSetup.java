package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.LabelCollector;
import org.adamix.datasets.LabelList;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.data.DataPreview;
import org.adamix.jobs.data.ShardedData;
import org.adamix.jobs.spark.BackboneSource;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.OutputLock;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.adamix.ConsistencyLoss;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Everything the driver checks before any executor work, in order: options coherent, output usable,
 * backbone and tokenizer load, data files exist, labels known, the first rows of every dataset
 * parse and tokenize, the model builds. Any problem is one {@link JobInputException} line; nothing
 * is written.
 */
public final class TrainSetup implements AutoCloseable {
    static final int PREVIEW_ROWS = 200;

    final TrainCommand cmd;
    final Configuration conf;
    final Path output;
    final BackboneSource backbone;
    final DatasetSpec trainSpec;
    final DatasetSpec devSpec;
    final LabelList labels;
    final List<String> trainFiles;
    final List<String> devFiles;
    private final ArrayNode trainStamps;
    private final ArrayNode devStamps;
    final AdaptationConfig adaptation;
    final HeadConfig head;
    boolean resuming;
    final long trainableParams;
    final long allParams;

    private TrainSetup(
            TrainCommand cmd,
            Configuration conf,
            Path output,
            BackboneSource backbone,
            DatasetSpec trainSpec,
            DatasetSpec devSpec,
            LabelList labels,
            List<String> trainFiles,
            List<String> devFiles,
            AdaptationConfig adaptation,
            HeadConfig head,
            boolean resuming,
            long trainable,
            long all)
            throws IOException {
        this.cmd = cmd;
        this.conf = conf;
        this.output = output;
        this.backbone = backbone;
        this.trainSpec = trainSpec;
        this.devSpec = devSpec;
        this.labels = labels;
        this.trainFiles = trainFiles;
        this.devFiles = devFiles;
        this.trainStamps = stamps(trainFiles, conf);
        this.devStamps = stamps(devFiles, conf);
        this.adaptation = adaptation;
        this.head = head;
        this.resuming = resuming;
        this.trainableParams = trainable;
        this.allParams = all;
    }

    public static TrainSetup prepare(TrainCommand c) throws IOException {
        return prepare(c, HadoopConf.driver());
    }

    public static TrainSetup prepare(TrainCommand c, Configuration conf) throws IOException {
        checkOptions(c);
        AdaptationConfig adaptation = adaptation(c, c.method);
        Path output = new Path(c.output);
        output = output.getFileSystem(conf).makeQualified(output);
        // checked before anything loads, to fail fast; TrainJob checks again once it holds the
        // output's lock
        boolean resuming = checkOutput(c, output, conf, false);
        return load(c, conf, output, adaptation, resuming);
    }

    /**
     * The output is new or empty (ignoring the lock), or --resume and it holds a run; true when
     * resuming. Without {@code holdingLock} another job's lock is an error (unless --break-lock).
     */
    static boolean checkOutput(TrainCommand c, Path output, Configuration conf, boolean holdingLock)
            throws IOException {
        FileSystem fs = output.getFileSystem(conf);
        if (!holdingLock && !c.breakLock && OutputLock.isLocked(output, conf))
            throw new JobInputException(OutputLock.heldMessage(output, conf));
        if (!fs.exists(output)) return false;
        boolean empty =
                fs.getFileStatus(output).isDirectory()
                        && Arrays.stream(fs.listStatus(output))
                                .allMatch(s -> s.getPath().getName().equals(OutputLock.NAME));
        if (empty) return false;
        boolean hasRun =
                fs.exists(new Path(output, Checkpoints.DIR))
                        || fs.exists(new Path(output, TrainJob.SUCCESS));
        if (!c.resume)
            throw new JobInputException(
                    "output "
                            + output
                            + " is not empty: pass --resume to continue the run in it, or choose another --output");
        if (!hasRun)
            throw new JobInputException(
                    "--resume: output " + output + " holds no AdaMix run (no checkpoints/)");
        return true;
    }

    /** Again under the output's lock: nothing can have changed it since. */
    void recheckOutput() throws IOException {
        resuming = checkOutput(cmd, output, conf, true);
    }

    /**
     * Every check of {@link #prepare} but the output's (a job that owns its output, such as
     * compare, checks that itself); the model is built for {@code --method}.
     */
    public static TrainSetup prepareInputs(TrainCommand c, Configuration conf) throws IOException {
        checkOptions(c);
        AdaptationConfig adaptation = adaptation(c, c.method);
        Path output = new Path(c.output);
        return load(c, conf, output.getFileSystem(conf).makeQualified(output), adaptation, false);
    }

    public static void checkOptions(TrainCommand c) {
        require(c.epochs >= 1, "--epochs must be >= 1, got " + c.epochs);
        require(c.batchSize >= 1, "--batch-size must be >= 1, got " + c.batchSize);
        require(c.localSteps >= 1, "--local-steps must be >= 1, got " + c.localSteps);
        require(c.workers == null || c.workers >= 1, "--workers must be >= 1, got " + c.workers);
        require(c.maxLength >= 4, "--max-length must be >= 4, got " + c.maxLength);
        require(c.lr() > 0 && Double.isFinite(c.lr()), "--lr must be > 0, got " + c.lr());
        require(
                c.warmup >= 0 && c.warmup < 1,
                "--warmup is a fraction of all steps in [0, 1), got " + c.warmup);
        require(c.weightDecay >= 0, "--weight-decay must be >= 0, got " + c.weightDecay);
        require(
                c.checkpointEvery >= 1,
                "--checkpoint-every must be >= 1, got " + c.checkpointEvery);
        require(
                c.keepCheckpoints >= 1,
                "--keep-checkpoints must be >= 1, got " + c.keepCheckpoints);
        require(
                c.maxRounds == null || c.maxRounds >= 1,
                "--max-rounds must be >= 1, got " + c.maxRounds);
        require(
                List.of("up", "down", "none").contains(c.share),
                "--share must be up, down or none, got '" + c.share + "'");
    }

    /**
     * The adaptation of {@code method} with the command's --rank, --experts, --share and
     * --consistency-weight.
     */
    public static AdaptationConfig adaptation(TrainCommand c, String methodId) {
        Method method;
        AdaptationConfig adaptation;
        try {
            method = Method.of(methodId);
            adaptation =
                    AdaptationConfig.of(method, c.rank)
                            .withExperts(c.experts)
                            .withSharing(c.share.equals("down"), c.share.equals("up"))
                            .withConsistencyWeight(c.consistencyWeight)
                            .withConsistency(ConsistencyLoss.Form.of(c.consistency))
                            .withLoraAlpha(c.loraAlpha == null ? c.rank : c.loraAlpha)
                            .withLoraDropout(c.loraDropout)
                            .withIndependentExpertInit(independentExperts(c));
        } catch (IllegalArgumentException e) {
            throw new JobInputException(
                    "--method/--rank/--experts/--share/--consistency/--lora-alpha/--lora-dropout: "
                            + e.getMessage());
        }
        require(
                c.loraAlpha == null || c.loraAlpha > 0,
                "--lora-alpha must be > 0, got " + c.loraAlpha);
        require(
                c.maxGradNorm >= 0,
                "--max-grad-norm must be >= 0 (0 = no clipping), got " + c.maxGradNorm);
        pooling(c);
        // none: only the task head learns, on the frozen encoder (a linear probe, the baseline a
        // user checks first); a language model has no head, so there it would train nothing
        require(
                method != Method.NONE || !c.data.generation(),
                "--method none trains nothing with --task generation (a language model has no head)");
        return adaptation;
    }

    /** --expert-init: as the authors' code for the task (auto), copies or independent. */
    private static boolean independentExperts(TrainCommand c) {
        return switch (c.expertInit) {
            case "auto" -> !c.data.generation();
            case "copies" -> false;
            case "independent" -> true;
            default ->
                    throw new JobInputException(
                            "--expert-init must be auto, copies or independent, got '"
                                    + c.expertInit
                                    + "'");
        };
    }

    /** --head, checked. */
    public static HeadConfig.Pooling pooling(TrainCommand c) {
        try {
            return HeadConfig.Pooling.of(c.head);
        } catch (IllegalArgumentException e) {
            throw new JobInputException("--head: " + e.getMessage());
        }
    }

    private static TrainSetup load(
            TrainCommand c,
            Configuration conf,
            Path output,
            AdaptationConfig adaptation,
            boolean resuming)
            throws IOException {
        BackboneSource bb = BackboneSource.open(c.backbone, conf);
        try {
            BertConfig bert = bb.backbone().config();
            int maxPositions = bert.maxPositions() - bert.positionOffset();
            require(
                    c.maxLength <= maxPositions,
                    "--max-length "
                            + c.maxLength
                            + " exceeds the backbone's "
                            + maxPositions
                            + " positions");

            DatasetSpec spec;
            try {
                spec = c.data.spec(null, true);
            } catch (IllegalArgumentException e) {
                throw new JobInputException(e.getMessage(), e);
            }
            List<String> trainFiles = ShardedData.listFiles(spec, conf, c.train);
            List<String> devFiles =
                    c.dev == null ? List.of() : ShardedData.listFiles(spec, conf, c.dev);
            LabelList labels = null;
            HeadConfig head;
            HeadConfig.Pooling pooling = pooling(c);
            if (c.data.regression()) {
                head = HeadConfig.regressionHead().withPooling(pooling);
            } else {
                labels =
                        spec.labels() != null
                                ? spec.labels()
                                : LabelCollector.collect(spec, conf, trainFiles);
                require(
                        labels.size() >= 2,
                        "the training data has only the label "
                                + labels
                                + "; classification needs at least 2");
                spec = spec.withLabels(labels);
                head = HeadConfig.classification(labels.size()).withPooling(pooling);
            }
            BestRound.of(
                    c.selectBy,
                    head.regression(),
                    !devFiles.isEmpty()); // --select-by checked before any work
            DataPreview.check(spec, conf, trainFiles, bb.tokenizer(), c.maxLength, PREVIEW_ROWS);
            if (!devFiles.isEmpty())
                DataPreview.check(spec, conf, devFiles, bb.tokenizer(), c.maxLength, PREVIEW_ROWS);
            AdaMixModel probe =
                    AdaMixModel.build(bb.backbone(), adaptation, head, optimizer(c, 1), c.seed);
            long trainable = probe.trainableParams().length();
            long all = probe.paramCounts().total();
            return new TrainSetup(
                    c,
                    conf,
                    output,
                    bb,
                    spec,
                    spec,
                    labels,
                    trainFiles,
                    devFiles,
                    adaptation,
                    head,
                    resuming,
                    trainable,
                    all);
        } catch (RuntimeException | IOException e) {
            bb.close();
            throw e;
        }
    }

    /** AdamW with the command's --lr, --weight-decay and --warmup over {@code totalSteps}. */
    public static OptimizerConfig optimizer(TrainCommand c, long totalSteps) {
        return new OptimizerConfig(
                c.lr(), c.weightDecay, c.warmup, totalSteps, 0.9, 0.999, 1e-8, c.maxGradNorm);
    }

    ModelSpec modelSpec(long totalSteps, HeadConfig trainedHead) {
        return new ModelSpec(
                adaptation, trainedHead, optimizer(cmd, totalSteps), cmd.seed, cmd.recompute);
    }

    /**
     * The head as trained on these labels: regression learns standardised targets (mean and
     * population standard deviation of the training labels; see {@link HeadConfig}).
     */
    public static HeadConfig scaledFor(HeadConfig head, double[] trainLabels) {
        if (!head.regression() || trainLabels.length == 0) return head;
        double mean = 0, sq = 0;
        for (double y : trainLabels) mean += y;
        mean /= trainLabels.length;
        for (double y : trainLabels) sq += (y - mean) * (y - mean);
        return head.withTargetScale(mean, Math.sqrt(sq / trainLabels.length));
    }

    /** What must not change between a run and its resumption. */
    public ObjectNode runIdentity(int workers) {
        ObjectNode n = MetricsLog.JSON.createObjectNode();
        n.put("backbone_checksum", backbone.backbone().checksum());
        n.put("method", adaptation.method().id);
        n.put("rank", adaptation.rank());
        n.put("experts", adaptation.experts());
        n.put("share", cmd.share);
        n.put("consistency_weight", adaptation.consistencyWeight());
        n.put("consistency", adaptation.consistency().cliName());
        n.put("lora_alpha", adaptation.loraAlpha());
        n.put("lora_dropout", adaptation.loraDropout());
        n.put("head", head.pooling().cliName());
        n.put("max_grad_norm", cmd.maxGradNorm);
        n.put("group_by_length", cmd.groupByLength);
        n.put("epochs", cmd.epochs);
        n.put("batch_size", cmd.batchSize);
        n.put("lr", cmd.lr());
        n.put("warmup", cmd.warmup);
        n.put("weight_decay", cmd.weightDecay);
        n.put("local_steps", cmd.localSteps);
        n.put("workers", workers);
        n.put("seed", cmd.seed);
        n.put("max_length", cmd.maxLength);
        n.set("train_files", trainStamps.deepCopy());
        n.set("dev_files", devStamps.deepCopy());
        n.putPOJO("dataset", trainSpec.toOptions());
        return n;
    }

    /**
     * Each input file with its size and modification time: data replaced under the same name
     * (another export, a partial upload) makes another run, which must not be resumed into this
     * one.
     */
    private static ArrayNode stamps(List<String> files, Configuration conf) throws IOException {
        ArrayNode a = MetricsLog.JSON.createArrayNode();
        for (String f : files) {
            Path p = new Path(f);
            FileStatus st = p.getFileSystem(conf).getFileStatus(p);
            a.addObject()
                    .put("path", f)
                    .put("size", st.getLen())
                    .put("modified", st.getModificationTime());
        }
        return a;
    }

    public TrainCommand command() {
        return cmd;
    }

    public Configuration conf() {
        return conf;
    }

    public BackboneSource backbone() {
        return backbone;
    }

    /** The dataset spec of every split (labels fixed from the training data). */
    public DatasetSpec dataSpec() {
        return trainSpec;
    }

    public List<String> trainFiles() {
        return trainFiles;
    }

    public List<String> devFiles() {
        return devFiles;
    }

    public HeadConfig head() {
        return head;
    }

    public Path output() {
        return output;
    }

    public String describe() {
        return String.format(
                "backbone %s (%s, %d layers, hidden %d), method %s, trainable %,d of %,d parameters, "
                        + "labels %s, train %d file(s), dev %d file(s), output %s%s",
                backbone.backbone().name(),
                backbone.backbone().checksum().substring(0, 12),
                backbone.backbone().config().numLayers(),
                backbone.backbone().config().hiddenSize(),
                adaptation.method().id,
                trainableParams,
                allParams,
                labels == null ? "(regression)" : labels.labels(),
                trainFiles.size(),
                devFiles.size(),
                output,
                resuming ? " (resuming)" : "");
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new JobInputException(message);
    }

    @Override
    public void close() {
        backbone.close();
    }
}
