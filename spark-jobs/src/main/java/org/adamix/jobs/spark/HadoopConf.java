package org.adamix.jobs.spark;

import org.apache.hadoop.conf.Configuration;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/** The driver's Hadoop configuration as plain entries, so tasks see the same file systems (HDFS name nodes, S3 keys). */
public final class HadoopConf implements Serializable {
    private final Map<String, String> entries = new HashMap<>();
    private transient Configuration conf;

    public HadoopConf(Configuration source) {
        for (Map.Entry<String, String> e : source) entries.put(e.getKey(), e.getValue());
    }

    public synchronized Configuration get() {
        if (conf == null) {
            Configuration c = new Configuration(false);
            entries.forEach(c::set);
            conf = c;
        }
        return conf;
    }
}
