/* Umbrella header of the fcnet library. */
#ifndef FCNET_FCNET_H
#define FCNET_FCNET_H
#include "fcnet/config.h"
#include "fcnet/data.h"
#include "fcnet/fs.h"
#include "fcnet/io.h"
#include "fcnet/layers.h"
#include "fcnet/model.h"
#include "fcnet/optim.h"
#include "fcnet/real.h"
#include "fcnet/rng.h"
#include "fcnet/solver.h"
#include "fcnet/status.h"
#include "fcnet/tensor.h"
#endif
