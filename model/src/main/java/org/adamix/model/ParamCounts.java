package org.adamix.model;

import org.adamix.model.layers.ParamSpec;
import org.adamix.model.layers.SublayerConf;
import org.adamix.model.names.GraphNames;

/**
 * Parameter counts from the configuration alone (no weights needed): every tensor of the model, the
 * trainable ones, the adaptation modules alone (no head), and what remains after merging the
 * mixture.
 */
public record ParamCounts(
        long total, long trainable, long adaptation, long head, long adaptationAfterMerge) {

    public static ParamCounts of(
            BertConfig bert, AdaptationConfig a, HeadConfig head, boolean poolerInBackbone) {
        long total = 0, trainable = 0, adaptation = 0, headParams = 0;
        for (SublayerConf s : EncoderGraph.sublayers(bert, a, head, 0, poolerInBackbone)) {
            boolean isHead = s.getLayerName().equals(GraphNames.POOLER);
            for (ParamSpec p : s.params()) {
                total += p.length();
                if (p.trainable()) trainable += p.length();
                if (isHead) headParams += p.length();
                else if (p.backboneName() == null) adaptation += p.length();
            }
        }
        long classifier = (long) bert.hiddenSize() * head.numLabels() + head.numLabels();
        total += classifier;
        trainable += classifier;
        headParams += classifier;
        long merged = adaptation;
        if (a.method().mixture()) {
            AdaptationConfig single =
                    a.withMethod(
                            a.method() == Method.ADAMIX_ADAPTER ? Method.PFEIFFER : Method.LORA);
            merged = of(bert, single, head, poolerInBackbone).adaptation();
        }
        return new ParamCounts(total, trainable, adaptation, headParams, merged);
    }

    @Override
    public String toString() {
        return String.format(
                "total %,d  trainable %,d (%.3f%%)  adaptation %,d  head %,d  after merge %,d",
                total,
                trainable,
                100.0 * trainable / total,
                adaptation,
                head,
                adaptationAfterMerge);
    }
}
