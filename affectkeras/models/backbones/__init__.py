"""Backbones: functional Keras models from RGB 0..255 pixels to a pooled feature vector."""

from affectkeras.models.backbones.cifar_resnet import CifarResNetBackbone
from affectkeras.models.backbones.resnet50 import ResNet50Backbone
from affectkeras.models.backbones.resnet50_weights import load_resnet50_weights
from affectkeras.models.backbones.tiny import TinyBackbone

__all__ = ["CifarResNetBackbone", "ResNet50Backbone", "TinyBackbone", "load_resnet50_weights"]
