// TensorFlow.js' own MNIST CNN examples, run with only their import changed (`import * as tf from
// 'glassbox'`): the model code below is theirs, as written in tfjs-examples/mnist (index.js) and the
// "handwritten digit recognition with CNNs" codelab; only the data comes from glassbox's MNIST loader.

import { describe, expect, it } from 'vitest';
import * as tf from '../../src/index.js';

const IMAGE_H = 28;
const IMAGE_W = 28;
const NUM_CLASSES = 10;

// Small slices keep the suite fast; the examples train the same way on the full set.
const data = await tf.loadMnist({ trainLimit: 3000, testLimit: 1000 });
const trainImages = data.trainImages.values as Float32Array;
const testImages = data.testImages.values as Float32Array;
const trainLabels = Array.from(data.trainLabels.values);
const testLabels = Array.from(data.testLabels.values);

describe('tfjs-examples/mnist createConvModel', () => {
  it('trains with rmsprop and categorical cross-entropy on tensor4d images and one-hot labels', async () => {
    // --- from tfjs-examples/mnist/index.js ---
    function createConvModel() {
      const model = tf.sequential();
      model.add(tf.layers.conv2d({ inputShape: [IMAGE_H, IMAGE_W, 1], kernelSize: 3, filters: 16, activation: 'relu' }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
      model.add(tf.layers.conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
      model.add(tf.layers.conv2d({ kernelSize: 3, filters: 32, activation: 'relu' }));
      model.add(tf.layers.flatten({}));
      model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
      model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
      return model;
    }
    const model = createConvModel();
    model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const trainXs = tf.tensor4d(trainImages, [trainImages.length / (IMAGE_H * IMAGE_W), IMAGE_H, IMAGE_W, 1]);
    const trainYs = tf.oneHot(tf.tensor1d(trainLabels, 'int32'), NUM_CLASSES);
    const testXs = tf.tensor4d(testImages, [testImages.length / (IMAGE_H * IMAGE_W), IMAGE_H, IMAGE_W, 1]);
    const testYs = tf.oneHot(tf.tensor1d(testLabels, 'int32'), NUM_CLASSES);
    let trainBatchCount = 0;
    const valAcc: number[] = [];
    await model.fit(trainXs, trainYs, {
      batchSize: 64,
      validationSplit: 0.15,
      epochs: 2,
      callbacks: {
        onBatchEnd: async () => {
          trainBatchCount++;
        },
        onEpochEnd: async (_epoch, logs) => {
          valAcc.push(logs!.val_acc ?? logs!.val_accuracy);
        },
      },
    });
    const testResult = model.evaluate(testXs, testYs) as tf.Tensor[];
    const testAccPercent = testResult[1].dataSync()[0] * 100;
    // --- end of the example's code ---
    expect(trainBatchCount).toBe(2 * Math.ceil((3000 * 0.85) / 64));
    expect(valAcc.every((v) => v > 0.5)).toBe(true);
    expect(testAccPercent).toBeGreaterThan(70);
  });
});

describe('codelab: handwritten digit recognition with CNNs', () => {
  it('trains with varianceScaling initialisers, adam and validationData', async () => {
    // --- from the codelab's getModel() and train() ---
    function getModel() {
      const model = tf.sequential();
      const IMAGE_WIDTH = 28;
      const IMAGE_HEIGHT = 28;
      const IMAGE_CHANNELS = 1;
      model.add(tf.layers.conv2d({
        inputShape: [IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_CHANNELS],
        kernelSize: 5,
        filters: 8,
        strides: 1,
        activation: 'relu',
        kernelInitializer: 'varianceScaling',
      }));
      model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));
      model.add(tf.layers.conv2d({ kernelSize: 5, filters: 16, strides: 1, activation: 'relu', kernelInitializer: 'varianceScaling' }));
      model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));
      model.add(tf.layers.flatten());
      const NUM_OUTPUT_CLASSES = 10;
      model.add(tf.layers.dense({ units: NUM_OUTPUT_CLASSES, kernelInitializer: 'varianceScaling', activation: 'softmax' }));
      const optimizer = tf.train.adam();
      model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return model;
    }
    const model = getModel();
    const BATCH_SIZE = 512;
    const TRAIN_DATA_SIZE = 3000;
    const TEST_DATA_SIZE = 1000;
    const [trainXs, trainYs] = tf.tidy(() => [
      tf.tensor2d(trainImages, [TRAIN_DATA_SIZE, 784]).reshape([TRAIN_DATA_SIZE, 28, 28, 1]),
      tf.oneHot(tf.tensor1d(trainLabels, 'int32'), 10),
    ]);
    const [testXs, testYs] = tf.tidy(() => [
      tf.tensor2d(testImages, [TEST_DATA_SIZE, 784]).reshape([TEST_DATA_SIZE, 28, 28, 1]),
      tf.oneHot(tf.tensor1d(testLabels, 'int32'), 10),
    ]);
    const history = await model.fit(trainXs, trainYs, { batchSize: BATCH_SIZE, validationData: [testXs, testYs], epochs: 6, shuffle: true });
    // --- end of the codelab's code ---
    const acc = history.history.val_acc ?? history.history.val_accuracy;
    expect(acc[acc.length - 1]).toBeGreaterThan(0.7);
  });
});
