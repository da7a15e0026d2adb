/*
 * TensorFlow C API (graph and session part, TensorFlow 2.18), as used by the @tensorflow/tfjs-node binding: buffers,
 * devices, graphs and saved-model sessions. Declarations only; the definitions are in libtensorflow_cc.so.2.
 */
#ifndef RECSYS_TF_C_C_API_H_
#define RECSYS_TF_C_C_API_H_

#include <stddef.h>
#include <stdint.h>

#include "tensorflow/c/tf_datatype.h"
#include "tensorflow/c/tf_status.h"
#include "tensorflow/c/tf_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The TensorFlow version string, e.g. "2.18.0". */
const char* TF_Version(void);

/* A byte buffer (usually a serialized protocol buffer). */
typedef struct TF_Buffer {
  const void* data;
  size_t length;
  void (*data_deallocator)(void* data, size_t length);
} TF_Buffer;

/* A buffer holding a copy of proto[0, proto_len). */
TF_Buffer* TF_NewBufferFromString(const void* proto, size_t proto_len);
TF_Buffer* TF_NewBuffer(void);
void TF_DeleteBuffer(TF_Buffer* buffer);

/* The kind of an op attribute (values as in TensorFlow). */
typedef enum TF_AttrType {
  TF_ATTR_STRING = 0,
  TF_ATTR_INT = 1,
  TF_ATTR_FLOAT = 2,
  TF_ATTR_BOOL = 3,
  TF_ATTR_TYPE = 4,
  TF_ATTR_SHAPE = 5,
  TF_ATTR_TENSOR = 6,
  TF_ATTR_PLACEHOLDER = 7,
  TF_ATTR_FUNC = 8
} TF_AttrType;

typedef struct TF_SessionOptions TF_SessionOptions;
TF_SessionOptions* TF_NewSessionOptions(void);
void TF_DeleteSessionOptions(TF_SessionOptions* options);

typedef struct TF_Graph TF_Graph;
TF_Graph* TF_NewGraph(void);
void TF_DeleteGraph(TF_Graph* graph);

typedef struct TF_Operation TF_Operation;
/* One output (or input) of an operation. */
typedef struct TF_Output {
  TF_Operation* oper;
  int index;
} TF_Output;
/* The operation named `oper_name` in `graph`, or NULL. */
TF_Operation* TF_GraphOperationByName(TF_Graph* graph, const char* oper_name);

typedef struct TF_Session TF_Session;
TF_Session* TF_LoadSessionFromSavedModel(const TF_SessionOptions* session_options, const TF_Buffer* run_options,
                                         const char* export_dir, const char* const* tags, int tags_len,
                                         TF_Graph* graph, TF_Buffer* meta_graph_def, TF_Status* status);
void TF_SessionRun(TF_Session* session, const TF_Buffer* run_options, const TF_Output* inputs,
                   TF_Tensor* const* input_values, int ninputs, const TF_Output* outputs, TF_Tensor** output_values,
                   int noutputs, const TF_Operation* const* target_opers, int ntargets, TF_Buffer* run_metadata,
                   TF_Status* status);
void TF_DeleteSession(TF_Session* session, TF_Status* status);

typedef struct TF_DeviceList TF_DeviceList;
void TF_DeleteDeviceList(TF_DeviceList* list);
int TF_DeviceListCount(const TF_DeviceList* list);
/* Full name of device `index`, e.g. "/job:localhost/replica:0/task:0/device:CPU:0"; owned by the list. */
const char* TF_DeviceListName(const TF_DeviceList* list, int index, TF_Status* status);
/* Type of device `index`: "CPU", "GPU", ...; owned by the list. */
const char* TF_DeviceListType(const TF_DeviceList* list, int index, TF_Status* status);

#ifdef __cplusplus
}
#endif

#endif /* RECSYS_TF_C_C_API_H_ */
