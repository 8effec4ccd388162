/* fc_clock_seconds: CLOCK_MONOTONIC as double seconds. */
#include <time.h>

#include "fcnet/clock.h"

double fc_clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
