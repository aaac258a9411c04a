package dev.gale.observability.tensorboard.internal;

import java.util.List;
import java.util.Map;

/**
 * The serialized {@code tensorflow.Event} messages a TensorBoard log holds, built with
 * {@link ProtoWriter}: the file-version header, scalar summaries, and the HParams plugin's
 * experiment, session-start and session-end summaries (TensorBoard's {@code event.proto},
 * {@code summary.proto}, {@code tensor.proto} and the HParams plugin's {@code plugin_data.proto}
 * and {@code api.proto}; only the fields written here).
 */
public final class Events {
    /** The file version TensorBoard expects in the first event of a file. */
    public static final String FILE_VERSION = "brain.Event:2";
    /** The HParams plugin's name in {@code SummaryMetadata.PluginData}. */
    public static final String HPARAMS_PLUGIN = "hparams";
    /** The tag of the experiment summary (written in the experiment's own directory, the "empty run"). */
    public static final String EXPERIMENT_TAG = "_hparams_/experiment";
    /** The tag of a session's start (written in the trial's directory, the session's run). */
    public static final String SESSION_START_TAG = "_hparams_/session_start_info";
    /** The tag of a session's end. */
    public static final String SESSION_END_TAG = "_hparams_/session_end_info";

    // tensorflow.Event
    private static final int EVENT_WALL_TIME = 1;
    private static final int EVENT_STEP = 2;
    private static final int EVENT_FILE_VERSION = 3;
    private static final int EVENT_SUMMARY = 5;
    // tensorflow.Summary and Summary.Value
    private static final int SUMMARY_VALUE = 1;
    private static final int VALUE_TAG = 1;
    private static final int VALUE_SIMPLE_VALUE = 2;
    private static final int VALUE_TENSOR = 8;
    private static final int VALUE_METADATA = 9;
    // SummaryMetadata and its PluginData
    private static final int METADATA_PLUGIN_DATA = 1;
    private static final int PLUGIN_NAME = 1;
    private static final int PLUGIN_CONTENT = 2;
    // TensorProto
    private static final int TENSOR_DTYPE = 1;
    private static final int TENSOR_SHAPE = 2;
    private static final int TENSOR_FLOAT_VAL = 5;
    private static final int DT_FLOAT = 1;
    // HParamsPluginData
    private static final int HP_EXPERIMENT = 2;
    private static final int HP_SESSION_START = 3;
    private static final int HP_SESSION_END = 4;
    // SessionStartInfo / SessionEndInfo
    private static final int START_HPARAMS = 1;
    private static final int START_MODEL_URI = 2;
    private static final int START_GROUP_NAME = 4;
    private static final int START_TIME_SECS = 5;
    private static final int END_STATUS = 1;
    private static final int END_TIME_SECS = 2;
    // Experiment, HParamInfo, Interval, MetricInfo, MetricName
    private static final int EXP_DESCRIPTION = 1;
    private static final int EXP_TIME_CREATED = 3;
    private static final int EXP_HPARAM_INFOS = 4;
    private static final int EXP_METRIC_INFOS = 5;
    private static final int EXP_NAME = 6;
    private static final int HPI_NAME = 1;
    private static final int HPI_TYPE = 4;
    private static final int HPI_DOMAIN_DISCRETE = 5;
    private static final int HPI_DOMAIN_INTERVAL = 6;
    private static final int INTERVAL_MIN = 1;
    private static final int INTERVAL_MAX = 2;
    private static final int METRIC_INFO_NAME = 1;
    private static final int METRIC_NAME_TAG = 2;
    // google.protobuf.Value / ListValue / map entries
    private static final int PB_NUMBER = 2;
    private static final int PB_STRING = 3;
    private static final int PB_BOOL = 4;
    private static final int LIST_VALUES = 1;
    private static final int MAP_KEY = 1;
    private static final int MAP_VALUE = 2;

    /** A session's status in {@code SessionEndInfo} (the HParams plugin's {@code Status} enum). */
    public enum SessionStatus {
        UNKNOWN, SUCCESS, FAILURE, RUNNING
    }

    /** The data type of a hyperparameter (the HParams plugin's {@code DataType} enum). */
    public enum HParamType {
        UNSET, STRING, BOOL, FLOAT64
    }

    /**
     * A hyperparameter of the experiment summary: numbers get an interval domain, strings and
     * booleans a list of the values seen.
     *
     * @param name     its name (the flattened config key)
     * @param type     its type
     * @param min      the interval's low end (FLOAT64)
     * @param max      the interval's high end (FLOAT64)
     * @param discrete the values seen (STRING, BOOL); empty for no domain
     */
    public record HParam(String name, HParamType type, double min, double max, List<Object> discrete) {
        public HParam {
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("hparam name is empty");
            if (type == null) throw new IllegalArgumentException("hparam " + name + ": type is null");
            discrete = discrete == null ? List.of() : List.copyOf(discrete);
        }
    }

    private Events() {
    }

    /** The first event of every file: {@code file_version = "brain.Event:2"}. */
    public static byte[] fileVersion(double wallTime) {
        return new ProtoWriter().doubleField(EVENT_WALL_TIME, wallTime).string(EVENT_FILE_VERSION, FILE_VERSION).toByteArray();
    }

    /** One event at {@code step} with a scalar summary value per entry of {@code tags}/{@code values}. */
    public static byte[] scalars(double wallTime, long step, List<String> tags, float[] values) {
        ProtoWriter summary = new ProtoWriter();
        for (int i = 0; i < tags.size(); i++) {
            summary.message(SUMMARY_VALUE, new ProtoWriter().string(VALUE_TAG, tags.get(i)).floatField(VALUE_SIMPLE_VALUE, values[i]));
        }
        return new ProtoWriter().doubleField(EVENT_WALL_TIME, wallTime).varint(EVENT_STEP, step)
                .message(EVENT_SUMMARY, summary).toByteArray();
    }

    /** The HParams session start of a trial: its hyperparameters, group and start time. */
    public static byte[] sessionStart(double wallTime, Map<String, Object> hparams, String groupName, String modelUri,
                                      double startTimeSecs) {
        ProtoWriter info = new ProtoWriter();
        for (Map.Entry<String, Object> e : hparams.entrySet()) {
            info.message(START_HPARAMS, new ProtoWriter().string(MAP_KEY, e.getKey()).message(MAP_VALUE, value(e.getValue())));
        }
        if (modelUri != null && !modelUri.isEmpty()) info.string(START_MODEL_URI, modelUri);
        if (groupName != null && !groupName.isEmpty()) info.string(START_GROUP_NAME, groupName);
        info.doubleField(START_TIME_SECS, startTimeSecs);
        return hparamsEvent(wallTime, SESSION_START_TAG, new ProtoWriter().message(HP_SESSION_START, info));
    }

    /** The HParams session end of a trial: how it ended and when. */
    public static byte[] sessionEnd(double wallTime, SessionStatus status, double endTimeSecs) {
        ProtoWriter info = new ProtoWriter().varint(END_STATUS, status.ordinal()).doubleField(END_TIME_SECS, endTimeSecs);
        return hparamsEvent(wallTime, SESSION_END_TAG, new ProtoWriter().message(HP_SESSION_END, info));
    }

    /** The HParams experiment summary: every hyperparameter with its domain, and the metric tags. */
    public static byte[] experiment(double wallTime, String name, String description, List<HParam> hparams,
                                    List<String> metricTags, double timeCreatedSecs) {
        ProtoWriter exp = new ProtoWriter();
        if (description != null && !description.isEmpty()) exp.string(EXP_DESCRIPTION, description);
        exp.doubleField(EXP_TIME_CREATED, timeCreatedSecs);
        for (HParam h : hparams) {
            ProtoWriter hp = new ProtoWriter().string(HPI_NAME, h.name()).varint(HPI_TYPE, h.type().ordinal());
            if (h.type() == HParamType.FLOAT64) {
                hp.message(HPI_DOMAIN_INTERVAL, new ProtoWriter().doubleField(INTERVAL_MIN, h.min()).doubleField(INTERVAL_MAX, h.max()));
            } else if (!h.discrete().isEmpty()) {
                ProtoWriter list = new ProtoWriter();
                for (Object v : h.discrete()) list.message(LIST_VALUES, value(v));
                hp.message(HPI_DOMAIN_DISCRETE, list);
            }
            exp.message(EXP_HPARAM_INFOS, hp);
        }
        for (String tag : metricTags) {
            exp.message(EXP_METRIC_INFOS, new ProtoWriter().message(METRIC_INFO_NAME, new ProtoWriter().string(METRIC_NAME_TAG, tag)));
        }
        if (name != null && !name.isEmpty()) exp.string(EXP_NAME, name);
        return hparamsEvent(wallTime, EXPERIMENT_TAG, new ProtoWriter().message(HP_EXPERIMENT, exp));
    }

    /** A {@code google.protobuf.Value}: numbers, booleans and strings; anything else as its text. */
    private static ProtoWriter value(Object v) {
        return switch (v) {
            case Boolean b -> new ProtoWriter().varint(PB_BOOL, b ? 1 : 0);
            case Number n -> new ProtoWriter().doubleField(PB_NUMBER, n.doubleValue());
            case null -> new ProtoWriter().string(PB_STRING, "null");
            default -> new ProtoWriter().string(PB_STRING, v.toString());
        };
    }

    /**
     * An event whose summary holds one value tagged {@code tag}, carrying {@code pluginData} as the
     * HParams plugin's content and the null tensor (a scalar float 0) as TensorBoard's own writer does.
     */
    private static byte[] hparamsEvent(double wallTime, String tag, ProtoWriter pluginData) {
        ProtoWriter metadata = new ProtoWriter().message(METADATA_PLUGIN_DATA,
                new ProtoWriter().string(PLUGIN_NAME, HPARAMS_PLUGIN).bytes(PLUGIN_CONTENT, pluginData.toByteArray()));
        ProtoWriter tensor = new ProtoWriter().varint(TENSOR_DTYPE, DT_FLOAT).message(TENSOR_SHAPE, new ProtoWriter())
                .bytes(TENSOR_FLOAT_VAL, new byte[4]);
        ProtoWriter val = new ProtoWriter().string(VALUE_TAG, tag).message(VALUE_METADATA, metadata).message(VALUE_TENSOR, tensor);
        return new ProtoWriter().doubleField(EVENT_WALL_TIME, wallTime)
                .message(EVENT_SUMMARY, new ProtoWriter().message(SUMMARY_VALUE, val)).toByteArray();
    }
}
