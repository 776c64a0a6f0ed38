/* helpy: a test guest that does not speak the boxagnts contract: it has a
 * clap-style --help and prints its arguments, so the registry must fall
 * back to parsing its help and pass input as --kebab-case flags. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        printf("Echoes its options\n\nUsage: helpy [OPTIONS] --word <WORD>\n\nOptions:\n"
               "  -w, --word <WORD>    Word to echo\n"
               "  -n, --count <N>      Times [default: 1]\n"
               "      --shout          Upper-case it\n"
               "  -h, --help           Print help\n");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--boxagnts-spec") == 0) {
        fprintf(stderr, "error: unexpected argument '--boxagnts-spec'\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) printf("%s%s", i > 1 ? " " : "", argv[i]);
    printf("\n");
    return 0;
}
