/**
 * @file dataset.h
 * @brief Logged events in, sessions and transitions out: the ::orl_dataset handle.
 */
#ifndef OFFLINERL_DATASET_H
#define OFFLINERL_DATASET_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup dataset Datasets
 * @brief Logged sessions of events: loading, preprocessing, splits, statistics, files.
 *
 * Life cycle: orl_dataset_create(), then any number of appends
 * (orl_dataset_add_events_i64(), orl_dataset_add_events_str(),
 * orl_dataset_load_csv(), orl_dataset_load_jsonl()), then orl_dataset_finalize(),
 * which sorts each session by time (stably: equal timestamps keep their append
 * order), applies the filters of ::orl_dataset_params and assigns dense item ids
 * 0..n_items-1. A finalized dataset is read-only; it can be split, saved,
 * inspected and trained on. Keys (sessions and items) are 64-bit integers or
 * UTF-8 strings; a key is identified by its text, so the integer 42 and the
 * string "42" are the same key while "042" is another one.
 *
 * Event types map to rewards and to a purchase flag. Known names get the
 * papers' defaults when first seen: `click`, `clicks`, `view`, `views` reward 0.2;
 * `purchase`, `purchases`, `buy`, `buys`, `transaction`, `order`, `orders` reward
 * 1.0 and purchase; `cart`, `carts`, `addtocart`, `add_to_cart` reward 1.0 and
 * purchase (as the SQN paper treats RetailRocket's add-to-cart and the reference
 * preprocessing treats REES46 carts). Any other name gets reward 0 and no purchase
 * flag until set.
 *
 * @par Thread-safety
 * A dataset handle is used by one thread at a time; a finalized dataset may be
 * read (statistics, lookups, saving) from several threads at once.
 * @{
 */

/** Order of dense item ids, see orl_dataset_params::item_order. */
typedef enum orl_item_order {
    ORL_ITEM_ORDER_SORTED = 0,    /**< Ascending key: integers first, then strings bytewise. */
    ORL_ITEM_ORDER_FIRST_SEEN = 1 /**< Order of first appearance after finalizing. */
} orl_item_order;

/** Settings of a dataset; fill with orl_dataset_params_init(). */
typedef struct orl_dataset_params {
    size_t struct_size; /**< sizeof(orl_dataset_params). */
    uint32_t window;    /**< State length N (last N items), 1..1024; default 10. */
    /** Sessions with fewer events are dropped at finalize; default 1 (keep all). */
    uint32_t min_session_len;
    /** Items with fewer events are dropped at finalize; default 1 (keep all). */
    uint32_t min_item_count;
    /** Non-zero: repeat both filters until nothing changes (default 1). */
    int32_t iterate_filters;
    /** One ::orl_item_order; default #ORL_ITEM_ORDER_SORTED (as a LabelEncoder). */
    int32_t item_order;
    /** Split a session where consecutive events are more than this apart
     *  (timestamp units); 0 (default) = never. */
    int64_t session_gap;
} orl_dataset_params;

/**
 * @brief Fill @p params with the defaults.
 * @param params Struct to fill; NULL is ignored. Sets `struct_size`.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API void orl_dataset_params_init(orl_dataset_params *params);

/**
 * @brief Create an empty dataset.
 * @param params Settings, or NULL for the defaults; copied.
 * @param out Receives the new handle (free with orl_dataset_free()); untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL @p out, bad `struct_size`);
 *         #ORL_E_OUT_OF_RANGE (a setting outside its range); #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_dataset_create(const orl_dataset_params *params, orl_dataset **out);

/**
 * @brief Free a dataset and everything it owns.
 * @param ds Handle or NULL.
 * @par Thread-safety No other call may use @p ds at the same time.
 * @since 0.1.0
 */
ORL_API void orl_dataset_free(orl_dataset *ds);

/**
 * @brief Look up or register a named event type.
 *
 * Codes are 0, 1, ... in registration order. A new name gets the default reward
 * and purchase flag described in @ref dataset (0 and no purchase when unknown).
 * @param ds Dataset (finalized or not).
 * @param name UTF-8 name, 1..256 bytes.
 * @param out_code Receives the code.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE (name length,
 *         more than 65535 types); #ORL_E_STATE (a new name on a finalized dataset); #ORL_E_NOMEM.
 * @par Thread-safety One thread at a time per handle.
 * @since 0.1.0
 */
ORL_API int orl_dataset_event_type(orl_dataset *ds, const char *name, int32_t *out_code);

/**
 * @brief Set the reward of an event type (registering it when new).
 *
 * Allowed after finalize too: rewards from the table are looked up when
 * batches are assembled. An explicit per-event reward always wins.
 * @param ds Dataset.
 * @param name Event type name.
 * @param reward A finite reward.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE (not finite);
 *         #ORL_E_STATE (new name after finalize); #ORL_E_NOMEM.
 * @par Thread-safety One thread at a time per handle.
 * @since 0.1.0
 */
ORL_API int orl_dataset_set_event_reward(orl_dataset *ds, const char *name, float reward);

/**
 * @brief Set whether an event type counts as a purchase for evaluation.
 * @param ds Dataset.
 * @param name Event type name (registered when new).
 * @param is_purchase Non-zero: purchase.
 * @return As orl_dataset_set_event_reward().
 * @par Thread-safety One thread at a time per handle.
 * @since 0.1.0
 */
ORL_API int orl_dataset_set_event_purchase(orl_dataset *ds, const char *name, int32_t is_purchase);

/**
 * @brief Append events from host arrays with 64-bit integer keys.
 *
 * The arrays are copied; call as often as needed, in any order of sessions and
 * times. All or nothing: on failure no event of this call is kept.
 * @param ds Dataset, not finalized.
 * @param n Number of events (0 is allowed).
 * @param session_keys Session of each event.
 * @param item_keys Item of each event.
 * @param timestamps Time of each event (any unit; only the order matters unless
 *        orl_dataset_params::session_gap is set).
 * @param event_codes Codes from orl_dataset_event_type().
 * @param rewards Per-event rewards, or NULL (from the event-type table); a NaN
 *        entry also means "from the table".
 * @param propensities Logging probabilities in (0, 1], or NULL (unknown); a NaN entry means
 * unknown.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL array with n > 0, unknown code);
 *         #ORL_E_OUT_OF_RANGE (infinite reward, propensity outside (0, 1]);
 *         #ORL_E_STATE (finalized); #ORL_E_NOMEM.
 * @par Thread-safety One thread at a time per handle.
 * @since 0.1.0
 */
ORL_API int orl_dataset_add_events_i64(orl_dataset *ds, size_t n, const int64_t *session_keys,
                                       const int64_t *item_keys, const int64_t *timestamps,
                                       const int32_t *event_codes, const float *rewards,
                                       const float *propensities);

/**
 * @brief Append events with UTF-8 string keys (REES46 sessions are UUIDs).
 *
 * Same as orl_dataset_add_events_i64() but keys are NUL-terminated strings of
 * 1..4096 bytes; a key that reads as a plain decimal integer is the same key as
 * that integer.
 * @param ds Dataset, not finalized.
 * @param n Number of events.
 * @param session_keys Session key of each event.
 * @param item_keys Item key of each event.
 * @param timestamps Time of each event.
 * @param event_codes Codes from orl_dataset_event_type().
 * @param rewards Per-event rewards or NULL.
 * @param propensities Logging propensities or NULL.
 * @return As orl_dataset_add_events_i64(), plus #ORL_E_INVALID_ARGUMENT for a
 *         NULL, empty or over-long key.
 * @par Thread-safety One thread at a time per handle.
 * @since 0.1.0
 */
ORL_API int orl_dataset_add_events_str(orl_dataset *ds, size_t n, const char *const *session_keys,
                                       const char *const *item_keys, const int64_t *timestamps,
                                       const int32_t *event_codes, const float *rewards,
                                       const float *propensities);

/**
 * @brief Freeze the dataset.
 *
 * Stable-sorts each session by time, splits sessions at gaps larger than
 * orl_dataset_params::session_gap, drops rare items and short sessions
 * (repeated until stable when orl_dataset_params::iterate_filters), assigns dense
 * item ids and orders sessions by their first timestamp (ties: first appended).
 * Afterwards appending gives #ORL_E_STATE.
 * @param ds Dataset.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (not a dataset handle); #ORL_E_STATE (already
 *         finalized); #ORL_E_NOMEM (the dataset is then unchanged and still open for appends).
 * @par Thread-safety One thread at a time per handle.
 * @since 0.1.0
 */
ORL_API int orl_dataset_finalize(orl_dataset *ds);

/** Timestamp formats of orl_csv_params::time_format. */
typedef enum orl_time_format {
    ORL_TIME_AUTO = 0,    /**< An integer as is, else a date-time as epoch milliseconds. */
    ORL_TIME_INTEGER = 1, /**< A (possibly negative) decimal integer, used as is. */
    ORL_TIME_DATETIME = 2 /**< `YYYY-MM-DD[ T]HH:MM[:SS[.fff]][ UTC|Z]` or `YYYY-MM-DD`,
                               UTC, as epoch milliseconds. */
} orl_time_format;

/** What to do with a row whose event type the mapping does not know. */
typedef enum orl_unknown_events {
    ORL_UNKNOWN_SKIP = 0, /**< Skip and count it (orl_load_report::rows_unknown_event). */
    ORL_UNKNOWN_ERROR = 1 /**< Fail the load (#ORL_E_PARSE). */
} orl_unknown_events;

/**
 * @brief How to read a delimited text file of events; fill with
 *        orl_csv_params_init() or orl_csv_params_preset().
 *
 * Columns are named by their header name or as `#k` (0-based index); a
 * trailing `?` makes a column optional (ignored when the file lacks it). String
 * fields are borrowed during the call only.
 */
typedef struct orl_csv_params {
    size_t struct_size; /**< sizeof(orl_csv_params). */
    /** Field separator; 0 = guess from the first line among `,` `;` tab `|`. Default ','. */
    char delimiter;
    /** Non-zero (default): the first line names the columns. */
    int32_t header;
    /** Comma-separated column names for a file without header, or NULL. */
    const char *column_names;
    const char *session_col; /**< Session key column (required). */
    const char *item_col;    /**< Item key column (required). */
    const char *time_col;    /**< Timestamp column (required). */
    /** Event type column, or NULL: then #flag_events or #default_event decide. */
    const char *event_col;
    /** Explicit reward column (wins over the table; empty field = from the
     *  table), or NULL. Default "reward?". */
    const char *reward_col;
    /** Logging propensity column (empty field = unknown), or NULL. Default "propensity?". */
    const char *propensity_col;
    /** Optional date column: timestamp = this date (epoch ms, UTC) + the time
     *  column as a millisecond offset (Diginetica's eventdate + timeframe). */
    const char *date_col;
    /** Optional column: rows where it is 0 or empty are skipped and counted
     *  (KuaiRand's is_click). */
    const char *filter_col;
    /** Behaviour in 0/1 columns: "col=event,col=event": the first listed column
     *  that is non-zero names the event type; a row with none gets
     *  #default_event, or is filtered when that is NULL. Used instead of
     *  #event_col (KuaiRand: "is_like=purchase" with default "click"). */
    const char *flag_events;
    /** Raw event value -> type: "view=click,cart=purchase,interaction item*=click"
     *  (a trailing `*` matches a prefix). NULL: raw values are the type names. */
    const char *event_map;
    /** Event type of every row when #event_col is NULL (see also #flag_events); default "click". */
    const char *default_event;
    int32_t time_format; /**< One ::orl_time_format; default #ORL_TIME_AUTO. */
    /** Non-zero (default): the first malformed row fails the whole load and
     *  nothing of the file is kept. Zero: malformed rows are skipped and counted.
     *  With a header, a row whose field count differs from the header's is
     *  malformed (the message names the file, the line and both counts). */
    int32_t strict;
    int32_t unknown_events; /**< One ::orl_unknown_events; default #ORL_UNKNOWN_SKIP. */
    /** Non-zero: skip (and count) rows of sessions not already in the dataset,
     *  to join a purchases file to the sessions of a views file. Default 0. */
    int32_t only_known_sessions;
    /** Non-zero: item keys must be integers (a row with another item is
     *  malformed). Default 0: integers or strings. */
    int32_t integer_items;
    /** Longest accepted field in bytes (keys, names); default 4096. */
    uint32_t max_field_len;
    /** Shown-items column: the item keys shown at that step, separated by `|` (trivago's
     *  `impressions`). A row with a non-empty one is also a display (orl_dataset_display_get());
     *  its item is the clicked one (its slot = its place in the list, -1 when absent); a row with
     *  an empty item field is a display without a click (no event; its event column is
     *  ignored, e.g. "none"). Default "impressions?". @since 0.2.0 */
    const char *impressions_col;
    /** Single-draw logging probability per shown item, `|`-separated (empty: unknown).
     *  Default "impression_propensities?". @since 0.2.0 */
    const char *impression_propensities_col;
    /** Inclusion probability per shown item, `|`-separated (empty: unknown). Default
     *  "impression_inclusion?". @since 0.2.0 */
    const char *impression_inclusion_col;
    /** Probability of the shown list (empty: unknown). Default "slate_propensity?".
     *  @since 0.2.0 */
    const char *slate_propensity_col;
} orl_csv_params;

/** Counts of a load; give one to the loaders to receive them. */
typedef struct orl_load_report {
    size_t struct_size;            /**< Set to sizeof(orl_load_report) before the call. */
    uint64_t rows_read;            /**< Data rows seen (header excluded). */
    uint64_t rows_loaded;          /**< Rows appended as events. */
    uint64_t rows_unknown_event;   /**< Skipped: event type not in the mapping. */
    uint64_t rows_filtered;        /**< Skipped: filter column zero, or no flag set. */
    uint64_t rows_unknown_session; /**< Skipped: orl_csv_params::only_known_sessions. */
    uint64_t rows_malformed;       /**< Skipped in lenient mode: malformed. */
    uint64_t first_error_line;     /**< Line of the first malformed row, 0 if none. */
    char first_error[256];         /**< Message of the first malformed row, "" if none. */
} orl_load_report;

/**
 * @brief Fill @p params with the defaults (canonical form
 *        `session_id,timestamp,item_id,event[,reward][,propensity]`).
 * @param params Struct to fill; NULL is ignored.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API void orl_csv_params_init(orl_csv_params *params);

/**
 * @brief Fill @p params for a known public log.
 *
 * Names: `canonical`; `retailrocket` (events.csv: visitorid, itemid, timestamp
 * ms; view -> click, addtocart -> purchase, transaction rows skipped);
 * `rees46` (user_session, product_id, event_time; view -> click, cart and
 * purchase -> purchase); `yoochoose-clicks` and `yoochoose-buys` (no header;
 * clicks -> click, buys -> purchase); `diginetica-views` and
 * `diginetica-purchases` (`;`, eventdate + timeframe; load the purchases second,
 * they join the views' sessions); `kuairand` (user_id sessions, clicked rows
 * only, is_like -> purchase); `trivago` (interaction item * -> click, clickout
 * item -> purchase, integer references only, lenient; a clickout's `impressions`
 * list becomes a display, orl_dataset_display_get()); `movietweetings`
 * (ratings.dat, `::`-separated: users are sessions, the rating is the reward).
 * @param params Struct to fill (all fields are reset first).
 * @param name Preset name.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL); #ORL_E_NOT_FOUND (unknown name).
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_csv_params_preset(orl_csv_params *params, const char *name);

/**
 * @brief Append the events of a delimited text file (optionally gzip-compressed).
 *
 * Handles a UTF-8 BOM, CRLF line ends, RFC 4180 quoting, integer or date-time
 * timestamps. Strict mode fails on the first malformed row with its file, line,
 * column and what was expected, and keeps nothing of the file; lenient mode
 * skips and counts such rows. Several files may be loaded into one dataset.
 * @param ds Dataset, not finalized.
 * @param path File path (`.gz` or not: compression is detected from the content).
 * @param params Column mapping and options, or NULL for the canonical form.
 * @param out_report Receives the counts (its `struct_size` set by the caller),
 *        or NULL. Filled on success and on #ORL_E_PARSE failures.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_NOT_FOUND (no file at @p path, as for
 *         every loader: see @ref orl_missing_files); #ORL_E_IO (cannot open or read otherwise);
 *         #ORL_E_PARSE (malformed row in strict mode, missing column, empty file);
 *         #ORL_E_TRUNCATED (a compressed file that ends early);
 *         #ORL_E_STATE (finalized); #ORL_E_NOMEM.
 * @par Thread-safety One thread at a time per handle.
 * @since 0.1.0
 */
ORL_API int orl_dataset_load_csv(orl_dataset *ds, const char *path, const orl_csv_params *params,
                                 orl_load_report *out_report);

/**
 * @brief Append sessions from an OTTO-style JSON-lines file (optionally gzip-compressed).
 *
 * One session per line: `{"session":K,"events":[{"aid":A,"ts":T,"type":"clicks"},...]}`.
 * Event types are the `type` strings (`clicks`, `carts`, `orders` get the click,
 * cart and purchase defaults). Unknown keys are ignored (their values must be valid JSON);
 * a line that gives `session`, `events`, `aid`, `ts` or `type` twice is malformed.
 * @param ds Dataset, not finalized.
 * @param path File path.
 * @param strict Non-zero: the first malformed line fails the load (nothing kept);
 *        zero: malformed lines are skipped and counted.
 * @param out_report Receives the counts (rows = events), or NULL.
 * @return As orl_dataset_load_csv().
 * @par Thread-safety One thread at a time per handle.
 * @since 0.1.0
 */
ORL_API int orl_dataset_load_jsonl(orl_dataset *ds, const char *path, int32_t strict,
                                   orl_load_report *out_report);

/** Counts of a dataset (orl_dataset_get_stats()). */
typedef struct orl_dataset_stats {
    size_t struct_size;     /**< Set to sizeof(orl_dataset_stats) before the call. */
    int32_t finalized;      /**< 1 when finalized. */
    uint32_t n_items;       /**< Items (dense ids 0..n_items-1, the padding id is n_items). */
    uint32_t n_event_types; /**< Registered event types. */
    uint32_t window;        /**< State length N. */
    uint64_t n_events;      /**< Events (= transitions once finalized). */
    uint64_t n_sessions;    /**< Sessions. */
    uint64_t n_purchases;   /**< Events whose type counts as purchase. */
    uint64_t n_sessions_with_purchase; /**< Sessions with at least one purchase (finalized). */
    uint64_t n_with_propensity;        /**< Events with a known logging propensity. */
    uint64_t min_session_len;          /**< Shortest session (finalized). */
    uint64_t max_session_len;          /**< Longest session (finalized). */
    double mean_session_len;           /**< Events per session. */
    int64_t time_min;                  /**< Earliest timestamp (0 when empty). */
    int64_t time_max;                  /**< Latest timestamp (0 when empty). */
    uint64_t memory_bytes;             /**< Bytes owned by the dataset (or mapped). */
} orl_dataset_stats;

/**
 * @brief Counts of the dataset.
 * @param ds Dataset.
 * @param out_stats Receives the counts; its `struct_size` must be set.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_get_stats(const orl_dataset *ds, orl_dataset_stats *out_stats);

/**
 * @brief Events of one type.
 * @param ds Dataset.
 * @param name Event type name.
 * @param out_count Receives the number of events of that type.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_NOT_FOUND (no such type).
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_count_events(const orl_dataset *ds, const char *name, uint64_t *out_count);

/**
 * @brief Session-length histogram of a finalized dataset.
 *
 * `buf[k]` = sessions of length k for k < buf_len - 1, and `buf[buf_len - 1]` =
 * sessions of length >= buf_len - 1 (`buf[0]` is always 0).
 * @param ds Finalized dataset.
 * @param buf Caller-owned array of @p buf_len counts.
 * @param buf_len At least 2.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_STATE (not finalized).
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_session_length_histogram(const orl_dataset *ds, uint64_t *buf,
                                                 size_t buf_len);

/**
 * @brief All statistics as one JSON object (counts, per-type counts and
 *        rewards, session-length histogram).
 * @param ds Dataset.
 * @param buf Caller-owned buffer, or NULL with @p buf_len 0 to ask for the size.
 * @param buf_len Size of @p buf in bytes.
 * @param out_len Receives the length needed including the NUL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_INVALID_ARGUMENT; #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that);
 *         #ORL_E_NOMEM.
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_stats_json(const orl_dataset *ds, char *buf, size_t buf_len,
                                   size_t *out_len);

/**
 * @brief Dense id of an item given by its integer key.
 * @param ds Finalized dataset.
 * @param key External key.
 * @param out_id Receives the dense id.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_STATE; #ORL_E_NOT_FOUND.
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_item_id_i64(const orl_dataset *ds, int64_t key, int32_t *out_id);

/**
 * @brief Dense id of an item given by its key as text.
 * @param ds Finalized dataset.
 * @param key NUL-terminated UTF-8 key.
 * @param out_id Receives the dense id.
 * @return As orl_dataset_item_id_i64().
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_item_id_str(const orl_dataset *ds, const char *key, int32_t *out_id);

/**
 * @brief Number of sessions of a finalized dataset (session indexes are 0..count-1, in the
 *        dataset's session order).
 * @param ds Finalized dataset.
 * @param[out] out_count The number of sessions.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_STATE (not finalized).
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.2.0
 */
ORL_API int orl_dataset_session_count(const orl_dataset *ds, uint64_t *out_count);

/**
 * @brief Copy the events of session @p session, in time order, into caller arrays.
 *
 * Each output array is optional (NULL: not wanted) and holds @p buf_len entries. A size query
 * (every array NULL, @p buf_len 0) returns #ORL_OK with the event count in @p out_len and leaves
 * the last error untouched (see @ref orl_output_buffers). With a history of item keys built from
 * these events a host replays its logs through orl_model_recommend() without its own copy.
 * @param ds Finalized dataset.
 * @param session Session index, below orl_dataset_session_count().
 * @param[out] out_item_ids Dense item ids (orl_dataset_item_key() gives their keys), or NULL.
 * @param[out] out_item_keys Integer item keys, or NULL (#ORL_E_INVALID_ARGUMENT when an item of
 *        the session has a string key: ask for the ids then).
 * @param[out] out_timestamps Timestamps, or NULL.
 * @param[out] out_event_codes Event type codes (orl_dataset_event_type()), or NULL.
 * @param[out] out_rewards Rewards as training sees them: the event's own reward when the data
 *        gave one, else its event type's reward; or NULL.
 * @param buf_len Entries in each non-NULL array.
 * @param[out] out_len The session's event count; set on success and on
 *        #ORL_E_BUFFER_TOO_SMALL.
 * @return #ORL_OK, also for a size query; #ORL_E_BUFFER_TOO_SMALL (non-NULL arrays shorter than
 *         the count; nothing written); #ORL_E_OUT_OF_RANGE (@p session); #ORL_E_STATE (not
 *         finalized); #ORL_E_INVALID_ARGUMENT (NULL @p out_len, every array NULL with
 *         @p buf_len > 0, a string item key asked as an integer).
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.2.0
 */
ORL_API int orl_dataset_session_events(const orl_dataset *ds, uint64_t session,
                                       int32_t *out_item_ids, int64_t *out_item_keys,
                                       int64_t *out_timestamps, int32_t *out_event_codes,
                                       float *out_rewards, size_t buf_len, size_t *out_len);

/**
 * @brief The key of session @p session as text (a session split by the time gap shares its key).
 * @param ds Finalized dataset.
 * @param session Session index, below orl_dataset_session_count().
 * @param buf Caller-owned buffer (may be NULL when @p buf_len is 0).
 * @param buf_len Size of @p buf.
 * @param[out] out_len The length needed including the NUL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that); #ORL_E_OUT_OF_RANGE
 *         (@p session); #ORL_E_STATE (not finalized); #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.2.0
 */
ORL_API int orl_dataset_session_key(const orl_dataset *ds, uint64_t session, char *buf,
                                    size_t buf_len, size_t *out_len);

/**
 * @brief External key of a dense item id, as text.
 * @param ds Finalized dataset.
 * @param item_id Dense id in [0, n_items).
 * @param buf Caller-owned buffer (may be NULL when @p buf_len is 0).
 * @param buf_len Size of @p buf.
 * @param out_len Receives the length needed including the NUL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_INVALID_ARGUMENT; #ORL_E_STATE; #ORL_E_OUT_OF_RANGE;
 *         #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that).
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_item_key(const orl_dataset *ds, int32_t item_id, char *buf, size_t buf_len,
                                 size_t *out_len);

/**
 * @brief One display of a finalized dataset: what was shown at one logged step, clicked or not.
 *
 * Datasets keep a display table beside the events when the logs list what was shown
 * (orl_sim_generate() with `slate_size` > 1 or `log_impressions` = 1; a CSV with an
 * `impressions` column, the canonical one or trivago's). Events stay the clicks and purchases
 * the algorithms train on; displays add the steps without a click and the items shown next
 * to the clicked one, for off-policy evaluation. Fill `struct_size` before the call.
 */
typedef struct orl_display_view {
    size_t struct_size; /**< Set by the caller to sizeof(orl_display_view). */
    /** Session index (orl_dataset_session_events()), or -1 when the logged session has no
     *  event in the dataset (the user clicked nothing). */
    int64_t session;
    /** Groups the displays of one logged session: displays are ordered by it, then by time;
     *  every session with events comes first, in session order. */
    uint64_t display_session;
    /** Events of the session before this display: its state is their items (the same window
     *  rule as the transitions). */
    uint64_t events_before;
    /** The event the click became, as an index into the session's events
     *  (= events_before), or -1 (no click, or its event was filtered out). */
    int64_t event_in_session;
    int64_t timestamp;       /**< Time of the display. */
    int32_t clicked_slot;    /**< Position clicked (0 = first shown), or -1 for none. */
    float reward;            /**< Reward of the step: its event's reward, 0 without a click. */
    double slate_propensity; /**< Probability of the shown list under the logging policy,
                                  NaN when the logs did not give it. */
    size_t n_shown;          /**< Items shown. */
    /** [n_shown] dense item ids in position order (orl_dataset_item_key() gives the keys), -1
     *  for an item outside the dataset's catalogue (never clicked, or dropped by
     *  `min_item_count`). Points into the dataset: valid until it is freed. */
    const int32_t *item_ids;
    /** [n_shown] single-draw logging probability of each shown item (what the importance
     *  ratio of REINFORCE uses), NaN when unknown. Points into the dataset. */
    const float *propensities;
    /** [n_shown] marginal probability that the item is in the shown list, NaN when unknown.
     *  Points into the dataset. */
    const float *inclusion;
} orl_display_view;

/**
 * @brief Number of displays of a finalized dataset (0 when the logs had none).
 * @param ds Finalized dataset.
 * @param[out] out_count Receives the count.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_STATE (not finalized).
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.2.0
 */
ORL_API int orl_dataset_display_count(const orl_dataset *ds, uint64_t *out_count);

/**
 * @brief Read display @p index (see ::orl_display_view).
 * @param ds Finalized dataset.
 * @param index Display index, below orl_dataset_display_count().
 * @param[out] out_view Its `struct_size` must be set; receives the display (the array fields
 *        point into @p ds and live as long as it).
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL, `struct_size` too small); #ORL_E_STATE (not
 *         finalized); #ORL_E_OUT_OF_RANGE (@p index).
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.2.0
 */
ORL_API int orl_dataset_display_get(const orl_dataset *ds, uint64_t index,
                                    orl_display_view *out_view);

/** How orl_dataset_split() assigns sessions. */
typedef enum orl_split_method {
    ORL_SPLIT_RANDOM = 0, /**< Seeded random permutation of the sessions. */
    ORL_SPLIT_TIME = 1    /**< By session start: the latest sessions are the test part. */
} orl_split_method;

/** Settings of orl_dataset_split(); fill with orl_split_params_init(). */
typedef struct orl_split_params {
    size_t struct_size; /**< sizeof(orl_split_params). */
    int32_t method;     /**< One ::orl_split_method; default random. */
    float train;        /**< Fraction of sessions for training; default 0.8. */
    float valid;        /**< Fraction for validation; default 0.1. The test part gets the rest. */
    uint64_t seed;      /**< Seed of the random split; default 0. */
} orl_split_params;

/**
 * @brief Fill @p params with the defaults (random 0.8 / 0.1 / 0.1, seed 0).
 * @param params Struct to fill; NULL is ignored.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API void orl_split_params_init(orl_split_params *params);

/**
 * @brief Split a finalized dataset by session into train / validation / test.
 *
 * The parts are new finalized datasets that share the source's item
 * dictionary (same dense ids, same n_items and padding id), its event types and
 * settings. Session counts are floor(train * S) and floor((train + valid) * S) -
 * floor(train * S); the test part gets the rest. Deterministic for a seed.
 * @param ds Finalized dataset.
 * @param params Settings or NULL for the defaults.
 * @param out_train Receives the training part (or NULL to discard it).
 * @param out_valid Receives the validation part (or NULL).
 * @param out_test Receives the test part (or NULL).
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE (fractions not
 *         in [0, 1] or summing above 1); #ORL_E_STATE (not finalized); #ORL_E_NOMEM.
 *         On failure no part is returned.
 * @par Thread-safety Concurrent reads of a finalized @p ds are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_split(const orl_dataset *ds, const orl_split_params *params,
                              orl_dataset **out_train, orl_dataset **out_valid,
                              orl_dataset **out_test);

/**
 * @brief Save a finalized dataset as a binary file (versioned, checksummed).
 *
 * Written to a temporary file that is renamed over @p path, so a crash never
 * leaves a half-written file.
 * @param ds Finalized dataset.
 * @param path Destination.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_STATE; #ORL_E_IO; #ORL_E_NOMEM.
 * @par Thread-safety Concurrent reads of a finalized dataset are safe.
 * @since 0.1.0
 */
ORL_API int orl_dataset_save(const orl_dataset *ds, const char *path);

/**
 * @brief Load a dataset saved by orl_dataset_save().
 *
 * The file is memory-mapped and its event arrays are used in place; magic,
 * version, sizes and checksum are verified before any field is trusted.
 * @param path File.
 * @param out Receives the finalized dataset; untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_NOT_FOUND (no file at @p path, see
 *         @ref orl_missing_files); #ORL_E_IO (cannot open or read otherwise); #ORL_E_FORMAT (not a
 *         dataset file, inconsistent sizes); #ORL_E_VERSION; #ORL_E_TRUNCATED;
 *         #ORL_E_CHECKSUM; #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_dataset_load(const char *path, orl_dataset **out);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* OFFLINERL_DATASET_H */
