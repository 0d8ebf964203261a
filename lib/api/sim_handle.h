/* The orl_sim handle: a tag, the read-only world, and the logging session
 * counter. Shared by sim_api.c and the model rollout adapter. */
#ifndef ORL_API_SIM_HANDLE_H
#define ORL_API_SIM_HANDLE_H

#include "api/handle.h"
#include "sim/sim.h"

struct orl_sim {
    orl_handle_tag tag;
    orl_sim_world *world;
    uint64_t next_session; /* first session key of the next logging call */
};

/* Checks shared by the exported rollout functions. */
int orl_sim_check_rollout_args(const orl_sim *sim, uint64_t n_sessions,
                               const orl_sim_rollout_result *out_result, const char *func);

/* Checks shared by the exported logging functions (n_sessions 1 .. 2^32). */
int orl_sim_check_log_args(const orl_sim *sim, uint64_t n_sessions, const char *func);

#endif
