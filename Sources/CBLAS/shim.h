// CBLAS: the OpenBLAS cblas interface (cblas_sgemm and friends, openblas_set_num_threads),
// owned by GlossaKernels. Debian's libopenblas-dev puts cblas.h on the default include path.
#include <cblas.h>
