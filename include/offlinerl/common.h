/**
 * @file common.h
 * @brief Version, status codes, errors, logging and the opaque handle types.
 *
 * Every other public header includes this one. Include `<offlinerl/offlinerl.h>`
 * to get the whole API.
 */
#ifndef OFFLINERL_COMMON_H
#define OFFLINERL_COMMON_H

#include <stddef.h>
#include <stdint.h>

/** @cond INTERNAL */
#if defined(_WIN32)
#if defined(ORL_BUILDING_LIBRARY)
#define ORL_API __declspec(dllexport)
#elif defined(ORL_STATIC)
#define ORL_API
#else
#define ORL_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define ORL_API __attribute__((visibility("default")))
#else
#define ORL_API
#endif
/** @endcond */

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup version Version and build information
 * @brief What library this is and how it was built.
 * @{
 */

/** Major version: bumped on an ABI break; it is the SONAME. */
#define ORL_VERSION_MAJOR 0
/** Minor version: bumped when functions or params fields are added. */
#define ORL_VERSION_MINOR 2
/** Patch version: bumped for fixes that change no interface. */
#define ORL_VERSION_PATCH 0
/** The version as one comparable number: major*10000 + minor*100 + patch. */
#define ORL_VERSION_NUMBER (ORL_VERSION_MAJOR * 10000 + ORL_VERSION_MINOR * 100 + ORL_VERSION_PATCH)

/**
 * @brief Version number of the library actually loaded at run time.
 *
 * Compare with #ORL_VERSION_NUMBER to detect a header/library mismatch.
 * @return major*10000 + minor*100 + patch.
 * @par Thread-safety Safe from any thread.
 * @par Errors None.
 * @since 0.1.0
 */
ORL_API uint32_t orl_version_number(void);

/**
 * @brief Version of the loaded library as "MAJOR.MINOR.PATCH".
 * @return A static string owned by the library; never NULL, never freed.
 * @par Thread-safety Safe from any thread.
 * @par Errors None.
 * @since 0.1.0
 */
ORL_API const char *orl_version_string(void);

/**
 * @brief How the library was built, as one JSON object.
 *
 * Keys: `version`, `blas` (the CBLAS chosen at build time), `blas_core` (the kernels
 * OpenBLAS picked for this CPU, "unknown" for another BLAS), `threads`
 * (the number of cores a thread count of 0 means), `compiler`, `build_type`,
 * `zlib`, `sanitizers`.
 * @return A static NUL-terminated string owned by the library; never NULL,
 *         never freed, identical on every call.
 * @par Thread-safety Safe from any thread.
 * @par Errors None.
 * @since 0.1.0
 */
ORL_API const char *orl_build_info(void);

/** @} */

/**
 * @defgroup status Status codes and errors
 * @brief Every call that can fail returns an ::orl_status; the message is in
 *        orl_last_error().
 *
 * The numeric values are stable: new codes are only ever appended.
 *
 * @anchor orl_output_buffers
 * **Output buffers.** A function that writes into a caller-owned buffer takes `buf`, `buf_len`
 * (its size in bytes) and `out_len` (the bytes needed, NUL included for text). A *size query*
 * (`buf` NULL, `buf_len` 0) is a normal call: it returns #ORL_OK with the size in `out_len` and
 * leaves orl_last_error() and orl_last_status() untouched. A non-NULL buffer shorter than that
 * size gives #ORL_E_BUFFER_TOO_SMALL (`out_len` still receives the size); `buf` NULL with
 * `buf_len` > 0 is #ORL_E_INVALID_ARGUMENT.
 *
 * @anchor orl_missing_files
 * **Files.** Every loader that reads a path (orl_model_load(), orl_dataset_load(),
 * orl_dataset_load_csv(), orl_dataset_load_jsonl()) reports a file that does not exist as
 * #ORL_E_NOT_FOUND, and any other failure to open or read it (permissions, a device error) as
 * #ORL_E_IO; functions that write a path report every failure as #ORL_E_IO.
 * @{
 */

/** Result of every fallible call: #ORL_OK or a negative error code. */
typedef enum orl_status {
    ORL_OK = 0,                   /**< Success. */
    ORL_E_INVALID_ARGUMENT = -1,  /**< A NULL pointer or an argument of the wrong kind. */
    ORL_E_OUT_OF_RANGE = -2,      /**< A numeric argument or setting outside its range. */
    ORL_E_NOMEM = -3,             /**< An allocation failed; nothing leaked. */
    ORL_E_IO = -4,                /**< Opening, reading or writing a file failed (not for a
                                       missing file: that is #ORL_E_NOT_FOUND). */
    ORL_E_PARSE = -5,             /**< Malformed text input (CSV, JSON lines). */
    ORL_E_FORMAT = -6,            /**< A binary file or buffer is not of the expected format. */
    ORL_E_VERSION = -7,           /**< A file of an unsupported (future) format version. */
    ORL_E_CHECKSUM = -8,          /**< A file or buffer failed its integrity check. */
    ORL_E_TRUNCATED = -9,         /**< A file or buffer ends early. */
    ORL_E_BUFFER_TOO_SMALL = -10, /**< A non-NULL caller-owned output buffer is too short (a
                                       size query, buf NULL and length 0, is #ORL_OK). */
    ORL_E_NOT_FOUND = -11,        /**< A key, item or file does not exist (every loader reports a
                                       missing file with this code). */
    ORL_E_UNKNOWN_KEY = -12,      /**< A configuration key that does not exist. */
    ORL_E_STATE = -13,            /**< The handle is not in a state that allows the call. */
    ORL_E_CANCELLED = -14,        /**< Stopped by a callback or orl_trainer_interrupt(). */
    ORL_E_NUMERIC = -15,          /**< Training diverged or a value is not finite. */
    ORL_E_UNSUPPORTED = -16,      /**< Valid request this build or handle does not support. */
    ORL_E_THREAD = -17,           /**< A thread could not be created or joined. */
    ORL_E_INTERNAL = -18          /**< A bug in the library; please report it. */
} orl_status;

/**
 * @brief A short, static, English description of a status code.
 * @param status Any integer; unknown codes give "unknown status".
 * @return A static string; never NULL.
 * @par Thread-safety Safe from any thread; needs no library state.
 * @par Errors None.
 * @since 0.1.0
 */
ORL_API const char *orl_status_string(int status);

/**
 * @brief The message of the last failed call made by this thread.
 *
 * Each thread has its own message; a successful call does not clear it.
 * @return A NUL-terminated string owned by the library, valid until this
 *         thread's next library call; "no error" if nothing failed yet. Never NULL.
 * @par Thread-safety Safe from any thread (thread-local).
 * @par Errors None.
 * @since 0.1.0
 */
ORL_API const char *orl_last_error(void);

/**
 * @brief The status of the last failed call made by this thread.
 * @return The negative ::orl_status of that failure, or #ORL_OK if none.
 * @par Thread-safety Safe from any thread (thread-local).
 * @par Errors None.
 * @since 0.1.0
 */
ORL_API int orl_last_status(void);

/** @} */

/**
 * @defgroup logging Logging
 * @brief Where the library's diagnostics go. It never writes to stdout.
 * @{
 */

/** Severity of a log message. */
typedef enum orl_log_level {
    ORL_LOG_DEBUG = 0, /**< Detail useful when tracing the library. */
    ORL_LOG_INFO = 1,  /**< Progress worth knowing about. */
    ORL_LOG_WARN = 2,  /**< Something suspicious that did not fail the call. */
    ORL_LOG_ERROR = 3, /**< A failure, also reported by the call's status. */
    ORL_LOG_OFF = 4    /**< As a minimum level: log nothing. */
} orl_log_level;

/**
 * @brief A host function that receives log messages.
 * @param level One of ::orl_log_level (never #ORL_LOG_OFF).
 * @param message NUL-terminated UTF-8; valid only during the call.
 * @param user_data The pointer given to orl_set_log_callback().
 *
 * It may be called from any library thread, possibly concurrently; it must not
 * call back into the library.
 */
typedef void (*orl_log_fn)(int32_t level, const char *message, void *user_data);

/**
 * @brief Route the library's log messages.
 *
 * Process-wide. By default messages of level #ORL_LOG_WARN and up go to stderr.
 * @param fn Receiver, or NULL for the default receiver (stderr); the default
 *        setting is `orl_set_log_callback(NULL, ORL_LOG_WARN, NULL)`.
 * @param min_level Messages below this ::orl_log_level are dropped;
 *        #ORL_LOG_OFF silences everything.
 * @param user_data Passed back to @p fn unchanged; the library never frees it.
 * @return #ORL_OK, or #ORL_E_OUT_OF_RANGE if @p min_level is not a level.
 * @par Thread-safety Safe from any thread; a message being logged concurrently
 *      goes either to the old or to the new receiver.
 * @since 0.1.0
 */
ORL_API int orl_set_log_callback(orl_log_fn fn, int32_t min_level, void *user_data);

/** @} */

/**
 * @defgroup handles Handle types
 * @brief Opaque handles, one per concept. Each `orl_X_create()` pairs with an
 *        `orl_X_free()` that accepts NULL.
 *
 * Every handle carries a type tag. A function given a handle of the wrong kind,
 * or one already freed whose memory has not been reused, fails with
 * #ORL_E_INVALID_ARGUMENT, and the `orl_X_free()` functions ignore such a handle. This is a
 * best-effort check: using a handle after its memory was reused, or passing a pointer that is not a
 * handle at all, is undefined behaviour that the library cannot detect.
 * @{
 */

/** Logged sessions of events: items, behaviours, rewards, propensities. */
typedef struct orl_dataset orl_dataset;
/** A sequence encoder (GRU4Rec, SASRec, Caser, NextItNet) mapping a history to a state. */
typedef struct orl_encoder orl_encoder;
/** A Q head over all items on top of an encoder. */
typedef struct orl_qnet orl_qnet;
/** A generative (behaviour / supervised) head: a distribution over items. */
typedef struct orl_genmodel orl_genmodel;
/** One training algorithm driving an encoder and its heads. */
typedef struct orl_trainer orl_trainer;
/** A trained, immutable policy that any number of threads may score with. */
typedef struct orl_model orl_model;
/** The built-in user simulator with known ground truth. */
typedef struct orl_sim orl_sim;

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* OFFLINERL_COMMON_H */
