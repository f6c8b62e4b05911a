// taskr-worker: runs one plugin action for the scheduler (see worker.h).
#include <string>
#include <vector>

#include "runner/plugins/worker.h"

int main(int argc, char** argv) {
  return taskr::RunWorker(std::vector<std::string>(argv + 1, argv + argc));
}
