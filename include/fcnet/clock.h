/* Wall-clock seconds for timings (histories, progress lines, benchmarks). */
#ifndef FCNET_CLOCK_H
#define FCNET_CLOCK_H

/* Seconds on the monotonic clock since an arbitrary origin; differences are wall time. */
double fc_clock_seconds(void);

#endif
