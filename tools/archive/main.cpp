// bulkhead-mkarchive OUT.cpio FILE...: pack boot modules into the initrd the kernel reads.
#include <iostream>
#include <string>
#include <vector>

#include "mkarchive.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return bh::tools::mkarchive_run(args, std::cerr);
}
