// Models that outlive the process: save/load, in-memory artifacts, checkpoints and resume, ONNX export, TF.js import.

export { saveModel, loadModel, loadLayersModel, loadOnnxFile } from './save-load.js';
export { onnxToModel } from './onnx-import.js';
export { toArtifacts, type ModelArtifacts } from './artifacts.js';
export { encodeSafetensors, decodeSafetensors, type SafetensorsFile, type NamedTensors } from './safetensors.js';
export { writeFileAtomic } from './atomic.js';
export { MODEL_FORMAT_VERSION, type ModelDocument, type CheckpointState } from './model-format.js';
export { saveCheckpoint, loadCheckpoint, type LoadedCheckpoint, type ResumeArgs, type TrainingProgress } from './checkpoint.js';
export { ModelCheckpoint, modelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
export { resumeTraining, type ResumeResult } from './resume.js';
export { installInterruptCheckpoint, type InterruptHandle, type InterruptOptions } from './interrupt.js';
export { exportOnnx, toOnnx, type ExportOnnxOptions } from './onnx-export.js';
