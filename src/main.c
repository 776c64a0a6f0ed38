/* boxagnts: CLI parsing and wiring; no logic lives here. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("boxagnts %s\n", BX_VERSION);
        return 0;
    }
    fprintf(stderr, "usage: boxagnts [--version]\n");
    return 2;
}
