package org.adamix.datasets.format;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.adamix.datasets.BadReason;
import org.adamix.datasets.Column;
import org.adamix.datasets.DatasetException;
import org.adamix.datasets.SourceLocation;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Parquet with a flat schema, read row by row (parquet-hadoop keeps one row group's pages in
 * memory, not the file). Only the selected columns are read. Strings are decoded strictly like text
 * files.
 */
final class ParquetSource implements RecordSource {
    private final String file;
    private final ParquetReader<Group> reader;
    private final StrictUtf8 utf8 = new StrictUtf8();
    private long row;

    ParquetSource(String file, Path path, Configuration conf, List<Column> columns)
            throws IOException {
        this.file = file;
        MessageType schema;
        try (ParquetFileReader footer =
                ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
            schema = footer.getFooter().getFileMetaData().getSchema();
        } catch (RuntimeException e) {
            throw new DatasetException(
                    file + ": not a readable Parquet file: " + e.getMessage(), e);
        }
        List<Type> selected = new ArrayList<>();
        for (Type t : schema.getFields()) {
            if (columns.stream().anyMatch(c -> c.name().equals(t.getName()))) {
                selected.add(t);
            }
        }
        for (Column c : columns) {
            if (!schema.containsField(c.name())) {
                throw new DatasetException(
                        file
                                + ": no column '"
                                + c.name()
                                + "' in Parquet schema "
                                + fieldNames(schema));
            }
            Type t = schema.getType(c.name());
            if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
                throw new DatasetException(
                        file + ": column '" + c.name() + "' is not a flat column: " + t);
            }
        }
        // Reading only the needed columns is what makes Parquet worth having.
        Configuration projected = new Configuration(conf);
        projected.set(
                ReadSupport.PARQUET_READ_SCHEMA,
                new MessageType(schema.getName(), selected).toString());
        this.reader =
                ParquetReader.builder(new GroupReadSupport(), path).withConf(projected).build();
    }

    private static List<String> fieldNames(MessageType schema) {
        List<String> names = new ArrayList<>();
        schema.getFields().forEach(t -> names.add(t.getName()));
        return names;
    }

    @Override
    public Record next() throws IOException {
        Group g;
        try {
            g = reader.read();
        } catch (RuntimeException e) {
            throw new DatasetException(
                    file + ": cannot read row " + (row + 1) + ": " + e.getMessage(), e);
        }
        if (g == null) {
            return null;
        }
        row++;
        return new GroupRecord(row, g);
    }

    @Override
    public SourceLocation.Unit unit() {
        return SourceLocation.Unit.ROW;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }

    private final class GroupRecord implements Record {
        private final long position;
        private final Group group;

        GroupRecord(long position, Group group) {
            this.position = position;
            this.group = group;
        }

        @Override
        public long position() {
            return position;
        }

        /** The field's index, after checking it is not null in this row. */
        private int field(Column c) throws RowProblem {
            int i = group.getType().getFieldIndex(c.name());
            if (group.getFieldRepetitionCount(i) == 0) {
                throw new RowProblem(BadReason.MISSING_FIELD, "column '" + c + "' is null");
            }
            return i;
        }

        private PrimitiveTypeName type(int i) {
            return group.getType().getType(i).asPrimitiveType().getPrimitiveTypeName();
        }

        private String string(Column c, int i) throws RowProblem {
            Binary b = group.getBinary(i, 0);
            byte[] bytes = b.getBytesUnsafe();
            String s = utf8.decode(bytes, 0, bytes.length);
            if (s == null) {
                throw new RowProblem(
                        BadReason.INVALID_UTF8,
                        "column '"
                                + c
                                + "' has a malformed byte sequence at byte offset "
                                + utf8.errorOffset());
            }
            return s;
        }

        @Override
        public String text(Column c) throws RowProblem {
            int i = field(c);
            if (type(i) != PrimitiveTypeName.BINARY) {
                throw new RowProblem(
                        BadReason.WRONG_TYPE,
                        "column '" + c + "' must be a string, found " + type(i));
            }
            return string(c, i);
        }

        @Override
        public String key(Column c) throws RowProblem {
            int i = field(c);
            return switch (type(i)) {
                case BINARY -> string(c, i);
                case INT32 -> Integer.toString(group.getInteger(i, 0));
                case INT64 -> Long.toString(group.getLong(i, 0));
                default ->
                        throw new RowProblem(
                                BadReason.WRONG_TYPE,
                                "column '"
                                        + c
                                        + "' must be a string or an integer, found "
                                        + type(i));
            };
        }

        @Override
        public float number(Column c) throws RowProblem {
            int i = field(c);
            return switch (type(i)) {
                case FLOAT ->
                        Numbers.checkRange(
                                c, group.getFloat(i, 0), Float.toString(group.getFloat(i, 0)));
                case DOUBLE ->
                        Numbers.checkRange(
                                c, group.getDouble(i, 0), Double.toString(group.getDouble(i, 0)));
                case INT32 -> group.getInteger(i, 0);
                case INT64 -> group.getLong(i, 0);
                case BINARY -> Numbers.parse(c, string(c, i));
                default ->
                        throw new RowProblem(
                                BadReason.WRONG_TYPE,
                                "column '" + c + "' must be a number, found " + type(i));
            };
        }
    }
}
