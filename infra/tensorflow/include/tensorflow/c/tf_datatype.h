/*
 * Declarations of TensorFlow's C API (data types) that the @tensorflow/tfjs-node binding uses, written from the
 * documented C API of TensorFlow 2.18 (libtensorflow_cc.so.2 of org.tensorflow:tensorflow-core-native). Only what
 * the binding calls is declared; the enum values are the wire values of TensorFlow's DataType proto.
 */
#ifndef RECSYS_TF_C_TF_DATATYPE_H_
#define RECSYS_TF_C_TF_DATATYPE_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum TF_DataType {
  TF_FLOAT = 1,
  TF_DOUBLE = 2,
  TF_INT32 = 3,
  TF_UINT8 = 4,
  TF_INT16 = 5,
  TF_INT8 = 6,
  TF_STRING = 7,
  TF_COMPLEX64 = 8,
  TF_INT64 = 9,
  TF_BOOL = 10,
  TF_QINT8 = 11,
  TF_QUINT8 = 12,
  TF_QINT32 = 13,
  TF_BFLOAT16 = 14,
  TF_QINT16 = 15,
  TF_QUINT16 = 16,
  TF_UINT16 = 17,
  TF_COMPLEX128 = 18,
  TF_HALF = 19,
  TF_RESOURCE = 20,
  TF_VARIANT = 21,
  TF_UINT32 = 22,
  TF_UINT64 = 23
} TF_DataType;

/* Bytes of one element of `dt`; 0 for variable-length types (TF_STRING, TF_RESOURCE, TF_VARIANT). */
size_t TF_DataTypeSize(TF_DataType dt);

#ifdef __cplusplus
}
#endif

#endif /* RECSYS_TF_C_TF_DATATYPE_H_ */
