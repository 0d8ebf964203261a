/**
 * @file offlinerl.h
 * @brief The whole public API of libofflinerl: include this one header.
 *
 * @mainpage libofflinerl
 *
 * An embeddable C library that learns recommendation policies from logged
 * user interactions with offline reinforcement learning and scores candidate
 * items inside the applications that link it. See the modules page for the API
 * grouped by handle, and the guides for how to use it.
 */
#ifndef OFFLINERL_OFFLINERL_H
#define OFFLINERL_OFFLINERL_H

#include "common.h"
#include "dataset.h"
#include "encoder.h"
#include "model.h"
#include "trainer.h"
#include "sim.h"
#include "ope.h"
#include "policy.h"

#endif /* OFFLINERL_OFFLINERL_H */
