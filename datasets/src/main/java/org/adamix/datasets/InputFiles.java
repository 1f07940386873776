package org.adamix.datasets;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Expands user-given paths (any Hadoop file system URI or plain local path; a file, a directory, or
 * a glob) into a sorted list of data files. Directories are listed recursively, skipping names that
 * start with '_' or '.' (Hadoop's _SUCCESS markers, .crc checksums, hidden files).
 */
public final class InputFiles {
    private InputFiles() {}

    /**
     * Qualified data files, sorted by path so every run reads them in the same order. Never empty.
     */
    public static List<Path> list(Configuration conf, List<String> paths) {
        if (paths.isEmpty()) {
            throw new DatasetException("no input path given");
        }
        TreeMap<String, Path> files = new TreeMap<>();
        for (String p : paths) {
            try {
                listOne(conf, p, files);
            } catch (IOException e) {
                throw new DatasetException(
                        "cannot list input path " + p + ": " + e.getMessage(), e);
            }
        }
        return new ArrayList<>(files.values());
    }

    private static void listOne(Configuration conf, String given, TreeMap<String, Path> files)
            throws IOException {
        if (given == null || given.isEmpty()) {
            throw new DatasetException("empty input path");
        }
        Path path = new Path(given);
        FileSystem fs = path.getFileSystem(conf);
        Path qualified = fs.makeQualified(path);
        FileStatus[] matches = fs.globStatus(path);
        if (matches == null || (matches.length == 0 && !isGlob(given))) {
            throw new DatasetException("input path does not exist: " + qualified);
        }
        if (matches.length == 0) {
            throw new DatasetException("input pattern matches no files: " + qualified);
        }
        for (FileStatus m : matches) {
            if (m.isDirectory()) {
                int before = files.size();
                listDirectory(fs, m.getPath(), files);
                if (files.size() == before) {
                    throw new DatasetException(
                            "input directory holds no data files: " + m.getPath());
                }
            } else {
                files.put(m.getPath().toString(), m.getPath());
            }
        }
    }

    private static void listDirectory(FileSystem fs, Path dir, TreeMap<String, Path> files)
            throws IOException {
        String prefix = dir.toString().endsWith("/") ? dir.toString() : dir + "/";
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
        while (it.hasNext()) {
            Path p = it.next().getPath();
            String relative =
                    p.toString().startsWith(prefix)
                            ? p.toString().substring(prefix.length())
                            : p.getName();
            if (!isHidden(relative)) {
                files.put(p.toString(), p);
            }
        }
    }

    private static boolean isHidden(String relativePath) {
        for (String part : relativePath.split("/")) {
            if (part.startsWith("_") || part.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isGlob(String s) {
        for (char c : new char[] {'*', '?', '[', '{'}) {
            if (s.indexOf(c) >= 0) {
                return true;
            }
        }
        return false;
    }
}
