/* run_cli.c: a test-only executable that is exactly `boxagnts wasm ...`
 * (sandbox_cli_main), so the sandbox's tests and benchmarks do not depend
 * on the main binary's wiring. */
#include "sandbox/sandbox.h"

int main(int argc, char **argv)
{
    argv[0] = (char *)"wasm";
    return sandbox_cli_main(argc, argv, ".");
}
