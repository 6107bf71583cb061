"""Makes the PyTorch-saved state dict and the outputs that `tests/state_dict.rs`
(`a_state_dict_saved_by_pytorch_loads_and_gives_its_outputs`) checks against.

Run with torch and safetensors installed:  python nn/tests/pytorch_state_dict.py
It prints the Rust constants; paste them into the test.
"""
import torch
from safetensors.torch import save

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
data = save(model.state_dict(), metadata={"format": "pt"})
x = torch.tensor([[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0]])
with torch.no_grad():
    y = model(x)
print(f"torch {torch.__version__}")
print("const PYTORCH_FILE: &[u8] = &[")
for i in range(0, len(data), 16):
    print("    " + ", ".join(f"0x{b:02x}" for b in data[i:i + 16]) + ",")
print("];")
print("const PYTORCH_OUTPUT: [f32; 4] = [" + ", ".join(str(v) for v in y.numpy().flatten()) + "];")
