/* main.c: the program's entry point; everything happens in driver.c. */
#include "migc.h"

int main(int argc, char **argv)
{
    return driver_main(argc, argv);
}
