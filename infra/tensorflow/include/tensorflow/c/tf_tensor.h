/* TensorFlow C API: tensors (TensorFlow 2.18), as used by the @tensorflow/tfjs-node binding. */
#ifndef RECSYS_TF_C_TF_TENSOR_H_
#define RECSYS_TF_C_TF_TENSOR_H_

#include <stddef.h>
#include <stdint.h>

#include "tensorflow/c/tf_datatype.h"
#include "tensorflow/c/tf_status.h"
#include "tensorflow/core/platform/ctstring_internal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TF_Tensor TF_Tensor;

/*
 * A tensor over caller-owned `data` of `len` bytes; TensorFlow calls `deallocator(data, len, deallocator_arg)` when
 * it is done with it (possibly at once, when it copies an unaligned buffer).
 */
TF_Tensor* TF_NewTensor(TF_DataType dtype, const int64_t* dims, int num_dims, void* data, size_t len,
                        void (*deallocator)(void* data, size_t len, void* arg), void* deallocator_arg);
/* A tensor with a TensorFlow-allocated buffer of `len` bytes (for TF_STRING: num elements * sizeof(TF_TString)). */
TF_Tensor* TF_AllocateTensor(TF_DataType dtype, const int64_t* dims, int num_dims, size_t len);
void TF_DeleteTensor(TF_Tensor* t);
TF_DataType TF_TensorType(const TF_Tensor* t);
int TF_NumDims(const TF_Tensor* t);
int64_t TF_Dim(const TF_Tensor* tensor, int dim_index);
size_t TF_TensorByteSize(const TF_Tensor* t);
void* TF_TensorData(const TF_Tensor* t);
int64_t TF_TensorElementCount(const TF_Tensor* tensor);

#ifdef __cplusplus
}
#endif

#endif /* RECSYS_TF_C_TF_TENSOR_H_ */
