/* Streaming reader of delimited text records (RFC 4180 quoting, CRLF, UTF-8
 * BOM), plain or gzip-compressed (zlib detects which). Fields of the current
 * record point into the reader's buffer and are valid until the next call. */
#ifndef ORL_DATA_CSV_READER_H
#define ORL_DATA_CSV_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct orl_csv_field {
    char *p;
    uint32_t len;
} orl_csv_field;

typedef struct orl_csv_reader {
    void *gz; /* gzFile */
    const char *path;
    char *buf;
    size_t cap, len, pos;
    int eof;
    char delim;
    size_t max_record;
    uint64_t line;      /* line of the current record (1-based) */
    uint64_t next_line; /* line where the next record starts */
    orl_csv_field *fields;
    uint32_t nfields, fcap;
} orl_csv_reader;

/* Open path; delim 0 = guess from the first line among , ; tab |. */
int orl_csv_open(orl_csv_reader *r, const char *path, char delim, size_t max_record);
void orl_csv_close(orl_csv_reader *r);
/* Next record into r->fields: ORL_OK with *has = 1, or *has = 0 at the end.
 * Errors: ORL_E_PARSE (malformed: unterminated quote, NUL byte, record too
 * long; r->line says where), ORL_E_TRUNCATED, ORL_E_IO, ORL_E_NOMEM. After a
 * parse error the reader has skipped the bad record and may continue. */
int orl_csv_next(orl_csv_reader *r, int *has);

#endif
