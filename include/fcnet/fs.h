/* File-system helpers shared by the sweep and the command-line tools. */
#ifndef FCNET_FS_H
#define FCNET_FS_H

#include "fcnet/status.h"

/* Create dir and its missing parents (mode 0777 & ~umask), like mkdir -p. FC_STATUS_IO
 * with a logged message naming the folder that could not be made, or when dir exists and
 * is not a folder. */
enum fc_status fc_mkdir_p(const char *dir);

/* 1 for an existing directory, 0 otherwise. */
int fc_is_dir(const char *path);

#endif
