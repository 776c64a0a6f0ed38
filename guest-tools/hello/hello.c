/* hello: the smallest guest program. It proves the guest toolchain works
 * and gives the engine and sandbox tests a known module: it prints its
 * arguments, one per line, and exits with the count. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello from wasm32-wasi\n");
    for (int i = 1; i < argc; i++)
        printf("%s\n", argv[i]);
    return argc - 1;
}
