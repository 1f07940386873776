package org.adamix.model.layers;

import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.LayerNormOp;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * x = LayerNorm(word[ids] + position[offset + t] + type[typeIds]). Input [B, 2, T]: row 0 token
 * ids, row 1 token-type ids (as floats, DL4J's input type). Output [B, T, H].
 */
public class Embeddings extends Sublayer<EmbeddingsConf> {
    private LayerNormOp norm;

    /** Saved by the forward pass when the embeddings are trained: the token and type ids. */
    private INDArray ids, types;

    private final Buffer out = buffers.output(),
            sum = buffers.next(),
            typeRows = buffers.next(),
            dSum = buffers.next(),
            dPosition = buffers.next();

    public Embeddings(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training) {
        var bert = c().bert();
        if (norm == null) norm = new LayerNormOp(bert.layerNormEps(), buffers);
        long b = input.size(0), t = input.size(2), h = bert.hiddenSize(), n = b * t;
        if (t + bert.positionOffset() > bert.maxPositions())
            throw new IllegalArgumentException(
                    "sequence length "
                            + t
                            + " exceeds max_position_embeddings "
                            + bert.maxPositions());
        INDArray out = this.out.get(b, t, h);
        // Frozen embeddings (every method but full fine-tuning): one fused pass, no ids kept for a
        // backward pass.
        if (!hasTrainable()
                && norm.embeddingsForward(
                        input,
                        w("word.weight"),
                        w("position.weight"),
                        bert.positionOffset(),
                        w("tokenType.weight"),
                        w("LayerNorm.weight"),
                        w("LayerNorm.bias"),
                        out.reshape(n, h))) return out;
        ids =
                input.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all())
                        .reshape(n)
                        .castTo(DataType.INT);
        types =
                input.get(NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all())
                        .reshape(n)
                        .castTo(DataType.INT);
        INDArray sum = this.sum.get(n, h);
        INDArray typeRows = this.typeRows.get(n, h);
        gather(w("word.weight"), ids, sum);
        gather(w("tokenType.weight"), types, typeRows);
        sum.addi(typeRows);
        INDArray pos =
                w("position.weight")
                        .get(
                                NDArrayIndex.interval(
                                        bert.positionOffset(), bert.positionOffset() + t),
                                NDArrayIndex.all());
        sum.reshape(b, t * h).addiRowVector(pos.reshape(1, t * h));
        norm.forward(sum, w("LayerNorm.weight"), w("LayerNorm.bias"), out.reshape(n, h));
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, boolean needInputGradient) {
        long n = ids.length(),
                h = c().bert().hiddenSize(),
                t = epsilon.size(1),
                b = epsilon.size(0);
        INDArray dSum = this.dSum.get(n, h);
        norm.backward(
                epsilon.reshape(n, h),
                w("LayerNorm.weight"),
                dSum,
                g("LayerNorm.weight"),
                g("LayerNorm.bias"));
        INDArray dWord = g("word.weight");
        if (dWord != null) {
            dWord.assign(0);
            scatterAdd(dWord, ids, dSum);
            INDArray dType = g("tokenType.weight");
            dType.assign(0);
            scatterAdd(dType, types, dSum);
            INDArray dPos = g("position.weight");
            dPos.assign(0);
            int off = c().bert().positionOffset();
            INDArray dPosRows = dPos.get(NDArrayIndex.interval(off, off + t), NDArrayIndex.all());
            INDArray tmp = dPosition.get(t, h);
            Nd4j.exec(new Sum(dSum.reshape(b, t, h), tmp, 0));
            dPosRows.assign(tmp);
        }
        return null;
    }

    private static void gather(INDArray table, INDArray idx, INDArray out) {
        Nd4j.exec(
                DynamicCustomOp.builder("gather")
                        .addInputs(table, idx)
                        .addOutputs(out)
                        .addIntegerArguments(0)
                        .build());
    }

    private static void scatterAdd(INDArray table, INDArray idx, INDArray rows) {
        Nd4j.exec(
                DynamicCustomOp.builder("scatter_add")
                        .addInputs(table, idx, rows)
                        .addOutputs(table)
                        .build());
    }
}
