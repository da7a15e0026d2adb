/* TensorFlow C API: status objects (TensorFlow 2.18), as used by the @tensorflow/tfjs-node binding. */
#ifndef RECSYS_TF_C_TF_STATUS_H_
#define RECSYS_TF_C_TF_STATUS_H_

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TF_Status TF_Status;

/* The canonical error codes (google.rpc.Code). */
typedef enum TF_Code {
  TF_OK = 0,
  TF_CANCELLED = 1,
  TF_UNKNOWN = 2,
  TF_INVALID_ARGUMENT = 3,
  TF_DEADLINE_EXCEEDED = 4,
  TF_NOT_FOUND = 5,
  TF_ALREADY_EXISTS = 6,
  TF_PERMISSION_DENIED = 7,
  TF_RESOURCE_EXHAUSTED = 8,
  TF_FAILED_PRECONDITION = 9,
  TF_ABORTED = 10,
  TF_OUT_OF_RANGE = 11,
  TF_UNIMPLEMENTED = 12,
  TF_INTERNAL = 13,
  TF_UNAVAILABLE = 14,
  TF_DATA_LOSS = 15,
  TF_UNAUTHENTICATED = 16
} TF_Code;

TF_Status* TF_NewStatus(void);
void TF_DeleteStatus(TF_Status* s);
TF_Code TF_GetCode(const TF_Status* s);
/* Valid until the status is next changed or deleted; "" when TF_OK. */
const char* TF_Message(const TF_Status* s);

#ifdef __cplusplus
}
#endif

#endif /* RECSYS_TF_C_TF_STATUS_H_ */
