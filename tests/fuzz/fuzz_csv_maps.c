#include "fuzz_csv_maps.h"

#include <string.h>

#include "offlinerl/offlinerl.h"

static const char *const map_names[ORL_FUZZ_CSV_MAPS] = {"canonical",
                                                         "canonical-lenient",
                                                         "retailrocket",
                                                         "rees46",
                                                         "yoochoose-clicks",
                                                         "diginetica-views",
                                                         "diginetica-purchases",
                                                         "kuairand",
                                                         "trivago",
                                                         "movietweetings",
                                                         "guess-noheader",
                                                         "flags",
                                                         "eventmap-strict",
                                                         "datetime",
                                                         "join",
                                                         "int-items-tiny-fields"};

const char *orl_fuzz_csv_map_name(unsigned selector)
{
    return map_names[selector % ORL_FUZZ_CSV_MAPS];
}

/* Fill p for mapping s; *join is set when the file is loaded twice (views,
 * then purchases joined to the views' sessions). */
static void mapping(orl_csv_params *p, unsigned s, int *join)
{
    *join = 0;
    orl_csv_params_init(p);
    switch (s % ORL_FUZZ_CSV_MAPS) {
    case 0:
        break;
    case 1:
        p->strict = 0;
        p->delimiter = 0;
        break;
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 9:
        orl_csv_params_preset(p, map_names[s % ORL_FUZZ_CSV_MAPS]);
        break;
    case 10:
        p->header = 0;
        p->delimiter = 0;
        p->column_names = "session_id,timestamp,item_id,event,reward,propensity";
        p->strict = 0;
        break;
    case 11:
        p->event_col = NULL;
        p->flag_events = "is_like=purchase,is_click=click,#5=cart";
        p->default_event = NULL;
        p->filter_col = "keep?";
        p->reward_col = "#4?";
        break;
    case 12:
        p->event_map = "view=click,cart=purchase,interaction item*=click,x*=";
        p->unknown_events = ORL_UNKNOWN_ERROR;
        p->time_format = ORL_TIME_INTEGER;
        break;
    case 13:
        p->time_format = ORL_TIME_DATETIME;
        p->date_col = "date?";
        p->strict = 0;
        break;
    case 14:
        orl_csv_params_preset(p, "diginetica-views");
        p->delimiter = 0;
        *join = 1;
        break;
    default:
        p->integer_items = 1;
        p->max_field_len = 8;
        p->strict = 0;
        p->propensity_col = "#5?";
        break;
    }
}

int orl_fuzz_load_csv(const char *path, unsigned selector)
{
    orl_dataset_params dp;
    orl_dataset_params_init(&dp);
    dp.session_gap = (selector & 0x10) ? 30 : 0;
    dp.min_item_count = (selector & 0x20) ? 2 : 1;
    dp.min_session_len = (selector & 0x40) ? 2 : 1;
    orl_dataset *ds = NULL;
    if (orl_dataset_create(&dp, &ds) != ORL_OK) return -1;
    orl_csv_params p;
    int join = 0;
    mapping(&p, selector, &join);
    orl_load_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    int st = orl_dataset_load_csv(ds, path, &p, &rep);
    if (st == ORL_OK && join) {
        orl_csv_params_preset(&p, "diginetica-purchases");
        p.delimiter = 0;
        st = orl_dataset_load_csv(ds, path, &p, &rep);
    }
    if (st == ORL_OK && orl_dataset_finalize(ds) == ORL_OK) {
        orl_dataset_stats stats;
        stats.struct_size = sizeof stats;
        orl_dataset_get_stats(ds, &stats);
        size_t need = 0;
        orl_dataset_stats_json(ds, NULL, 0, &need);
        if (stats.n_items > 0) {
            char key[64];
            size_t len = 0;
            orl_dataset_item_key(ds, (int32_t)(stats.n_items - 1), key, sizeof key, &len);
        }
        uint64_t nd = 0; /* the displays of impression lists */
        orl_dataset_display_count(ds, &nd);
        for (uint64_t i = 0; i < nd; i++) {
            orl_display_view v = {.struct_size = sizeof v};
            if (orl_dataset_display_get(ds, i, &v) != ORL_OK) continue;
            volatile int64_t sink = v.session + (int64_t)v.events_before + v.clicked_slot;
            for (size_t a = 0; a < v.n_shown; a++) sink += v.item_ids[a];
            (void)sink;
        }
    }
    orl_dataset_free(ds);
    return st;
}
