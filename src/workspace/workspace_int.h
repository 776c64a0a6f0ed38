/* workspace_int.h: what the workspace's files share. Not for other modules. */
#ifndef BX_WORKSPACE_INT_H
#define BX_WORKSPACE_INT_H

#include "workspace/workspace.h"

/* Builds the typed snapshot of effective (which it references). text is
 * settings.json's text for positions (may be NULL); each problem found is
 * appended to problems as one line naming file. */
workspace_config *workspace__config_build(const json_t *effective, const char *file,
                                          const char *text, size_t len, bx_buf *problems);

#endif
