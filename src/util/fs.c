/* fc_mkdir_p and fc_is_dir (fcnet/fs.h). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fcnet/fs.h"

int fc_is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

enum fc_status fc_mkdir_p(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0) return FC_OK;
    if (n >= sizeof buf) {
        fc_log(FC_LOG_ERROR, "%s: path too long\n", dir);
        return FC_STATUS_IO;
    }
    memcpy(buf, dir, n + 1);
    /* make each prefix ending before a '/', then the whole path */
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            fc_log(FC_LOG_ERROR, "%s: cannot create the folder: %s\n", buf, strerror(errno));
            return FC_STATUS_IO;
        }
        buf[i] = c;
    }
    if (!fc_is_dir(dir)) {
        fc_log(FC_LOG_ERROR, "%s: exists and is not a folder\n", dir);
        return FC_STATUS_IO;
    }
    return FC_OK;
}
