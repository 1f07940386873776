/**
 * Getting trained models out: {@link org.adamix.model.export.Exporter#exportAll} writes
 *
 * <ul>
 *   <li>{@code mixture/}, {@code merged/}: {@link org.adamix.model.io.AdapterCheckpoint} folders
 *       (adamix_config.json + adapter_model.safetensors) of the model as trained and after
 *       averaging the experts;
 *   <li>{@code peft/} (LoRA methods): {@link org.adamix.model.export.PeftLoraWriter}, Hugging Face
 *       PEFT's LoRA layout ({@code adapter_config.json} + {@code adapter_model.safetensors}, names
 *       as PEFT saves them);
 *   <li>{@code full/}: {@link org.adamix.model.export.MergedModelWriter}, a Hugging Face
 *       sequence-classification folder with LoRA folded into the weights (adapter methods: the
 *       backbone plus the merged adapter checkpoint in {@code full/adapter/}, since a non-linear
 *       adapter cannot be folded), read back by {@link org.adamix.model.export.MergedModelLoader}.
 * </ul>
 *
 * Hugging Face's classification heads always apply the pooler (dense + tanh); train with a pooler
 * head ({@code HeadConfig.withPooling(HeadConfig.Pooling.POOLER)}) for transformers/PEFT to compute
 * exactly what this project computes.
 */
package org.adamix.model.export;
